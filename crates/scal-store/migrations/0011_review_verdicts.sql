-- NHS England's review of a round (issue #11).
--
-- A round's decision is one of returned, accepted or withdrawn (the supplier took it back); the
-- columns that held only a return now hold any decision: who made it, when, and its summary.
ALTER TABLE submissions RENAME COLUMN returned_by TO decided_by;
ALTER TABLE submissions RENAME COLUMN returned_at TO decided_at;
ALTER TABLE submissions RENAME COLUMN return_reason TO decision_summary;

-- The verdict on one item (a requirement or information question, by sheet name and ID) of one
-- round. Replacing a verdict replaces the row (the audit log keeps the history). A verdict
-- carried over from an earlier round, because the item did not change, names that round.
CREATE TABLE review_verdicts (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    sheet TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    verdict TEXT NOT NULL,          -- accepted, query or not_accepted
    comment TEXT,
    decision TEXT,                  -- red items only: agreed, agreed_with_conditions or not_agreed
    carried_from_round BIGINT,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    UNIQUE (submission_id, sheet, requirement_id)
);

-- The conditions of a red item agreed with conditions, in the order given. They go on the
-- certificate, so each has its own identity.
CREATE TABLE review_conditions (
    id TEXT PRIMARY KEY,
    verdict_id TEXT NOT NULL REFERENCES review_verdicts (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    due_date TEXT NOT NULL          -- ISO 8601
);

CREATE INDEX review_conditions_verdict ON review_conditions (verdict_id, position);

-- NHS England may ask the supplier for more about an enquiry, or decline it (issue #11): its
-- question or reason, who and when; and the supplier's latest answer.
ALTER TABLE enquiries ADD COLUMN nhse_note TEXT;
ALTER TABLE enquiries ADD COLUMN noted_by TEXT;
ALTER TABLE enquiries ADD COLUMN noted_at BIGINT;
ALTER TABLE enquiries ADD COLUMN supplier_reply TEXT;
