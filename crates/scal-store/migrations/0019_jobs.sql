-- Scheduled work (issue #14). Each job has one row: when it next runs and who holds it. An
-- instance claims a due job by taking its lease (the row locked with FOR UPDATE SKIP LOCKED on
-- PostgreSQL, so instances never wait on each other; SQLite has one writer), runs it, and records
-- the run, which clears the lease. A lease past its expiry is from an instance that died.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_run_at BIGINT,
    last_run_by TEXT,
    last_outcome TEXT
);

-- Every reminder sent, once per subject and threshold: the primary key is what makes a reminder
-- go out once, across restarts and instances (its notification and email are written in the same
-- transaction as this row).
CREATE TABLE sent_reminders (
    subject_key TEXT NOT NULL,
    threshold TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    recipients BIGINT NOT NULL,
    PRIMARY KEY (subject_key, threshold)
);
