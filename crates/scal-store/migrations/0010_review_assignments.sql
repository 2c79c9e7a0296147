-- Who at NHS England reviews a submitted round: taken by a reviewer or given by an
-- administrator. One row per round; reassigning replaces it (the audit log keeps the history).
CREATE TABLE review_assignments (
    submission_id TEXT PRIMARY KEY REFERENCES submissions (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);
