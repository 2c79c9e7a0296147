-- NHS England's questions to a supplier during review (question threads) and its internal notes.
-- A subject is an item (sheet name and requirement ID), a case's onboarding step (service code
-- and step number 1 to 10) or the SCAL as a whole (`scal`). A thread's state is derived from
-- resolved_at and its last message's side, never stored (`scal_domain::thread::state`).
CREATE TABLE review_threads (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    subject_kind TEXT NOT NULL,
    sheet TEXT,
    requirement_id TEXT,
    service_code TEXT,
    step BIGINT,
    opened_by TEXT NOT NULL,
    opened_by_user TEXT REFERENCES users (id),
    opened_at BIGINT NOT NULL,
    resolved_by TEXT,
    resolved_at BIGINT
);

CREATE INDEX review_threads_scal ON review_threads (scal_id, opened_at);

-- One message of a thread; seq orders a thread's messages. round is the SCAL's latest submitted
-- round when it was written (0 before any), so a thread that spans rounds says which each
-- message belongs to.
CREATE TABLE review_messages (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL REFERENCES review_threads (id),
    seq BIGINT NOT NULL,
    author_id TEXT REFERENCES users (id),
    author_name TEXT NOT NULL,
    side TEXT NOT NULL,
    body TEXT NOT NULL,
    round BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (thread_id, seq)
);

-- NHS England's internal notes on a SCAL: never shown to the supplier.
CREATE TABLE review_notes (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    subject_kind TEXT NOT NULL,
    sheet TEXT,
    requirement_id TEXT,
    service_code TEXT,
    step BIGINT,
    author_id TEXT REFERENCES users (id),
    author_name TEXT NOT NULL,
    body TEXT NOT NULL,
    round BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX review_notes_scal ON review_notes (scal_id, created_at);
