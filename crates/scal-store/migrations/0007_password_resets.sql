-- Links to set a new password, sent by an administrator (or printed by `scal user
-- reset-password`). Only the SHA-256 of the link's 256-bit secret is kept, like sessions. A link
-- works once (`used_at`), until `expires_at`, and only while it is the user's latest: sending a
-- new one, changing the password or completing a reset ends the others (`ended_at`).

CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    ended_at BIGINT
);

CREATE INDEX password_resets_user ON password_resets (user_id);
