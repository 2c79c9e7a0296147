-- SCAL templates: a template has numbered versions; a version has sheets; a sheet has
-- requirements. Versions are immutable once published (enforced by the services: nothing updates
-- a published version's sheets or requirements).

CREATE TABLE templates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    service_code TEXT REFERENCES services (code),
    created_at BIGINT NOT NULL
);

CREATE TABLE template_versions (
    id TEXT PRIMARY KEY,
    template_id TEXT NOT NULL REFERENCES templates (id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL, -- draft or published
    source_name TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    UNIQUE (template_id, version)
);

-- A sheet's requirements are one JSON document (the domain's `Requirement`s, in order): they are
-- only ever read and written whole, and a 10,000-row template then stores in a few statements.
CREATE TABLE template_sheets (
    id TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES template_versions (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    requirements TEXT NOT NULL
);

CREATE INDEX template_sheets_version ON template_sheets (version_id, position);
