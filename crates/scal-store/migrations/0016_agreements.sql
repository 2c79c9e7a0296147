-- Connection agreements and go-live (issue #12). NHS England publishes agreement versions (a
-- version is named by its text's SHA-256); an agreement is prepared for a certified SCAL, naming
-- the supplier's signatory, and accepted once: the acceptance's seal (the canonical JSON of what
-- was accepted, by whom, when and from where) and its SHA-256 are stored. An agreement's state
-- (prepared, accepted, active, superseded) and whether a case is live are derived, never stored.
CREATE TABLE agreement_versions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    effective_date TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL
);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY,
    sequence BIGINT NOT NULL UNIQUE,
    reference TEXT NOT NULL UNIQUE,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    version_id TEXT NOT NULL REFERENCES agreement_versions (id),
    signatory_user_id TEXT NOT NULL REFERENCES users (id),
    prepared_by TEXT NOT NULL,
    prepared_at BIGINT NOT NULL,
    seal TEXT,
    seal_sha256 TEXT,
    start_date TEXT,
    accepted_at BIGINT
);

CREATE INDEX agreements_scal ON agreements (scal_id);

-- NHS England's go-live approval of one case (a product and service): once.
CREATE TABLE go_live_approvals (
    case_id TEXT PRIMARY KEY REFERENCES onboarding_cases (id),
    scal_id TEXT NOT NULL REFERENCES scals (id),
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    approved_by TEXT NOT NULL,
    approved_at BIGINT NOT NULL
);

CREATE INDEX go_live_approvals_scal ON go_live_approvals (scal_id);
