-- The supplier journey: requests for a SCAL (enquiries), onboarding cases per product and service,
-- evidence files, red-item notifications and their email outbox, and submitted rounds.

CREATE TABLE enquiries (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    product_id TEXT NOT NULL REFERENCES products (id),
    -- JSON array of service codes, in the order asked for.
    services TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL, -- open or issued
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    issued_by TEXT,
    issued_at BIGINT,
    scal_id TEXT REFERENCES scals (id)
);

CREATE INDEX enquiries_org ON enquiries (org_id, created_at);
CREATE INDEX enquiries_status ON enquiries (status, created_at);

-- The service a sheet was issued for (none for the information sheet).
ALTER TABLE scal_sheets ADD COLUMN service_code TEXT;
-- 1 when the product was onboarded to another service since the information sheet was last
-- confirmed: it must be confirmed again before the next submission.
ALTER TABLE scals ADD COLUMN information_review BIGINT NOT NULL DEFAULT 0;
-- A red item's target date for its mitigation (YYYY-MM-DD).
ALTER TABLE answers ADD COLUMN target_date TEXT;

-- Requirements NHS England took out of a tailored SCAL, and why.
CREATE TABLE scoped_out (
    scal_sheet_id TEXT NOT NULL REFERENCES scal_sheets (id),
    requirement_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (scal_sheet_id, requirement_id)
);

CREATE TABLE onboarding_cases (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    service_code TEXT NOT NULL REFERENCES services (code),
    use_case TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (scal_id, service_code)
);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- Where the bytes are in the file store.
    storage_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);

CREATE INDEX evidence_org ON evidence (org_id, uploaded_at);

-- One file can back several requirements, on several sheets and services.
CREATE TABLE evidence_links (
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    scal_sheet_id TEXT NOT NULL REFERENCES scal_sheets (id),
    requirement_id TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (evidence_id, scal_sheet_id, requirement_id)
);

CREATE INDEX evidence_links_requirement ON evidence_links (scal_sheet_id, requirement_id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at BIGINT
);

CREATE INDEX notifications_user ON notifications (user_id, at);

-- Emails waiting to be sent; a sender (off unless SMTP is configured) marks them sent.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    -- Set by the sender that is sending it, so two senders never send one message twice.
    claimed_at BIGINT
);

CREATE INDEX outbox_unsent ON outbox (sent_at, created_at);

-- Immutable snapshots of a SCAL as submitted; only the status and return fields ever change.
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    round BIGINT NOT NULL,
    status TEXT NOT NULL, -- submitted or returned
    snapshot TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    returned_by TEXT,
    returned_at BIGINT,
    return_reason TEXT,
    UNIQUE (scal_id, round)
);

CREATE INDEX submissions_status ON submissions (status, submitted_at);
