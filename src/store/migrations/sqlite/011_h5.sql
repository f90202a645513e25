-- Hosted verification links (docs/h5.md).
-- API clients of the H5 family: client_id and a keyed BLAKE2b-256 digest of the secret (the
-- secret itself is shown once and never stored).
CREATE TABLE api_clients (
    client_id     TEXT    PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    name          TEXT    NOT NULL,
    secret_digest TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    rotated_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_clients_by_account ON api_clients (account_id);

-- Requests counted per key and fixed window (rate limits shared by every node).
CREATE TABLE rate_counters (
    key        TEXT    NOT NULL,
    window_at  INTEGER NOT NULL,
    hits       INTEGER NOT NULL,
    PRIMARY KEY (key, window_at)
);

-- A link is a journey seen through the H5 API. The record (type, document choice, redirect,
-- counters, outcome) is sealed JSON; the captures and results are the journey's results and
-- blobs, purged with it (pruned_at records when). version guards concurrent updates.
CREATE TABLE verifications (
    id         INTEGER PRIMARY KEY,
    token      TEXT    NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    client_id  TEXT    NOT NULL,
    journey_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expire_at  INTEGER NOT NULL,
    pruned_at  INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 0,
    record     BLOB    NOT NULL
);
CREATE INDEX verifications_by_journey ON verifications (journey_id);
CREATE INDEX verifications_by_account ON verifications (account_id, created_at);

-- Per-account settings of the links: the name the page shows, the link's lifetime and the
-- retries it allows (spec: 2 OCR retries, 1 face retry, 15 minutes).
ALTER TABLE accounts ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN link_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE accounts ADD COLUMN link_ocr_retries INTEGER NOT NULL DEFAULT 2;
ALTER TABLE accounts ADD COLUMN link_face_retries INTEGER NOT NULL DEFAULT 1;
