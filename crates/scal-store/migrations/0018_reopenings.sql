-- Re-assurance (issue #14). An accepted SCAL is reopened by NHS England uplifting it to a new
-- template version, or by its supplier declaring a product change. A reopening is open from when
-- it is made until a round after it is accepted (derived from the rounds, never stored).
-- Its details: for an uplift, the template, the versions and the delta by requirement ID (the
-- removed requirements with their last answers, archived); for a product change, what changed.
CREATE TABLE reopenings (
    id TEXT PRIMARY KEY,
    scal_id TEXT NOT NULL REFERENCES scals (id),
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The SCAL's latest round when it was reopened (0: none): a later round accepted closes it.
    after_round BIGINT NOT NULL,
    due_date TEXT,
    details TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX reopenings_scal ON reopenings (scal_id, created_at);

-- A requirement whose text or level an uplift changed: its answer is kept and must be confirmed
-- or changed (saving it confirms it).
CREATE TABLE reopened_items (
    reopening_id TEXT NOT NULL REFERENCES reopenings (id),
    scal_id TEXT NOT NULL REFERENCES scals (id),
    sheet TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    what TEXT NOT NULL,
    confirmed_at BIGINT,
    confirmed_by TEXT,
    PRIMARY KEY (reopening_id, sheet, requirement_id)
);

-- A sheet a product change reopened: the supplier checks it and confirms it.
CREATE TABLE reopened_sheets (
    reopening_id TEXT NOT NULL REFERENCES reopenings (id),
    scal_id TEXT NOT NULL REFERENCES scals (id),
    sheet TEXT NOT NULL,
    confirmed_at BIGINT,
    confirmed_by TEXT,
    PRIMARY KEY (reopening_id, sheet)
);
