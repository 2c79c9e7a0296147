-- Certificates of technical conformance (issue #12). A certificate states facts about one
-- accepted round (its canonical JSON, `facts`) and carries NHS England's signature over them as a
-- compact JWS. Its status (valid, suspended, expired, revoked) is derived, never stored; only
-- the revocation, a final decision, is a fact here.
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    sequence BIGINT NOT NULL UNIQUE,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions (id),
    facts TEXT NOT NULL,
    jws TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    revoked_by TEXT,
    revoked_at BIGINT,
    revoke_reason TEXT
);

CREATE INDEX certificates_scal ON certificates (scal_id);

-- A condition of a red item agreed with conditions: the supplier says it is met, NHS England
-- confirms it (which lifts a suspension).
ALTER TABLE review_conditions ADD COLUMN met_by TEXT;
ALTER TABLE review_conditions ADD COLUMN met_at BIGINT;
ALTER TABLE review_conditions ADD COLUMN met_note TEXT;
ALTER TABLE review_conditions ADD COLUMN confirmed_by TEXT;
ALTER TABLE review_conditions ADD COLUMN confirmed_at BIGINT;
