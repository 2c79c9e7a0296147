-- A product's SCAL: the template sheets issued to it and the supplier's answers. Issue-by-enquiry
-- and submissions build on these tables.

CREATE TABLE scals (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL UNIQUE REFERENCES products (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE scal_sheets (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    template_version_id TEXT NOT NULL REFERENCES template_versions (id),
    -- The sheet's name in the template version; (scal, name) is unique, so answers match by name.
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    UNIQUE (scal_id, name)
);

CREATE TABLE answers (
    scal_sheet_id TEXT NOT NULL REFERENCES scal_sheets (id),
    requirement_id TEXT NOT NULL,
    response TEXT,
    justification TEXT,
    mitigation TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (scal_sheet_id, requirement_id)
);
