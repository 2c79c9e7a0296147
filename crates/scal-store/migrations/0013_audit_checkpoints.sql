-- Signed checkpoints of the audit chain's head (`scal audit checkpoint`, and `serve` daily): the
-- entry's sequence number and hash when it was signed, and the compact JWS (Ed25519, key `kid`)
-- over `{"at","hash","seq"}` in canonical JSON. Someone who can write to the database can rewrite
-- the chain and recompute every hash, but cannot sign without the key, which is kept outside the
-- database; `scal audit verify` checks every checkpoint still matches the chain. One checkpoint a
-- head: a head that has not moved is not signed again.
CREATE TABLE audit_checkpoints (
    id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    kid TEXT NOT NULL,
    jws TEXT NOT NULL
);
