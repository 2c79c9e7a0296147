-- Sign-in throttling by account *and* client address (see scal_domain::signin), and the addresses
-- each account and API token has been used from, so a new one can be noticed.

ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';

CREATE INDEX login_failures_client_at ON login_failures (client, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- subject: 'signin:<email>' or 'token:<token id>'; client: scal_domain::signin::client_key.
CREATE TABLE known_addresses (
    subject TEXT NOT NULL,
    client TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (subject, client)
);
