-- NHS England reviewers assigned to a service: they are told about its red items and
-- submissions. A service with none assigned tells every reviewer.

CREATE TABLE service_reviewers (
    service_code TEXT NOT NULL REFERENCES services (code),
    user_id TEXT NOT NULL REFERENCES users (id),
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (service_code, user_id)
);
