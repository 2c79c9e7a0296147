-- End user organisations (issue #13). A supplier shares a product's accepted SCAL with an EUO,
-- named by ODS code so an organisation not yet registered can be invited (the share reaches it
-- once NHS England registers an EUO with that code); the files shared are chosen one by one. A
-- share's state (active, expired, revoked) is derived from these facts and the day.
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    scal_id TEXT NOT NULL REFERENCES scals (id),
    supplier_org_id TEXT NOT NULL REFERENCES organisations (id),
    euo_ods TEXT NOT NULL,
    expires_on TEXT,
    shared_by TEXT NOT NULL,
    shared_at BIGINT NOT NULL,
    revoked_by TEXT,
    revoked_at BIGINT,
    revoke_reason TEXT
);

CREATE INDEX shares_euo ON shares (euo_ods);
CREATE INDEX shares_product ON shares (product_id);

CREATE TABLE share_files (
    share_id TEXT NOT NULL REFERENCES shares (id),
    evidence_id TEXT NOT NULL REFERENCES evidence (id),
    PRIMARY KEY (share_id, evidence_id)
);

-- A product's acceptable use policy versions (a version is named by its text's SHA-256).
CREATE TABLE use_policies (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    sequence BIGINT NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    UNIQUE (product_id, sequence)
);

-- An EUO's acknowledgement of one version: who, when, and the hash they saw.
CREATE TABLE use_policy_acknowledgements (
    policy_id TEXT NOT NULL REFERENCES use_policies (id),
    euo_org_id TEXT NOT NULL REFERENCES organisations (id),
    sha256 TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    acknowledged_by TEXT NOT NULL,
    acknowledged_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, euo_org_id)
);

-- An EUO's DCB0160 local assurance of a product (kept across shares of the same product). The
-- safety case report and hazard log are the EUO's own evidence files.
CREATE TABLE local_assurances (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    euo_org_id TEXT NOT NULL REFERENCES organisations (id),
    cso_name TEXT,
    cso_registration TEXT,
    safety_case_id TEXT REFERENCES evidence (id),
    hazard_log_id TEXT REFERENCES evidence (id),
    local_controls TEXT,
    decision TEXT,
    decided_on TEXT,
    decided_by TEXT,
    go_live_on TEXT,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (product_id, euo_org_id)
);

-- The certificate status each SCAL's EUOs were last told of, so a change (a suspension by the
-- calendar, a revocation, a new certificate) is told once, by whichever process sees it first.
CREATE TABLE share_watch (
    scal_id TEXT PRIMARY KEY REFERENCES scals (id),
    certificate_id TEXT,
    status TEXT NOT NULL,
    told_at BIGINT NOT NULL
);
