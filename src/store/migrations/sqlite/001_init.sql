-- Accounts are API tenants. Passwords are Argon2id hashes (libsodium crypto_pwhash_str).
CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL,
    company_id       TEXT    NOT NULL UNIQUE,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    expires_at       INTEGER NOT NULL DEFAULT 0,          -- epoch ms, 0 = never
    max_journeys     INTEGER NOT NULL DEFAULT 0,          -- 0 = unlimited
    journeys_created INTEGER NOT NULL DEFAULT 0,
    retention_days   INTEGER NOT NULL DEFAULT 14 CHECK (retention_days > 0),
    created_at       INTEGER NOT NULL
);

-- A journey id is a bearer capability of exactly one account.
CREATE TABLE journeys (
    id           TEXT    PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    status       TEXT    NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'COMPLETED')),
    created_at   INTEGER NOT NULL,
    completed_at INTEGER NOT NULL DEFAULT 0,
    purge_at     INTEGER NOT NULL
);
CREATE INDEX journeys_by_purge ON journeys (purge_at);
CREATE INDEX journeys_by_account ON journeys (account_id);

-- Per-journey step results (OkayID, OkayFace, ...): JSON sealed with XChaCha20-Poly1305.
CREATE TABLE results (
    id         TEXT    PRIMARY KEY,
    journey_id TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    component  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    payload    BLOB    NOT NULL
);
CREATE INDEX results_by_journey ON results (journey_id, created_at);

-- Images and crops, sealed. digest = keyed BLAKE2b-256 of the plaintext (integrity, dedupe).
CREATE TABLE blobs (
    id           TEXT    PRIMARY KEY,
    journey_id   TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    digest       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    data         BLOB    NOT NULL
);
CREATE INDEX blobs_by_journey ON blobs (journey_id);
