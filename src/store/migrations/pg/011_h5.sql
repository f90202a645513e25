-- PostgreSQL twin of sqlite/011_h5.sql.
CREATE TABLE api_clients (
    client_id     TEXT    PRIMARY KEY,
    account_id    BIGINT  NOT NULL REFERENCES accounts (id),
    name          TEXT    NOT NULL,
    secret_digest TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    BIGINT  NOT NULL,
    rotated_at    BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX api_clients_by_account ON api_clients (account_id);

CREATE TABLE rate_counters (
    key        TEXT    NOT NULL,
    window_at  BIGINT  NOT NULL,
    hits       BIGINT  NOT NULL,
    PRIMARY KEY (key, window_at)
);

CREATE TABLE verifications (
    id         BIGSERIAL PRIMARY KEY,
    token      TEXT    NOT NULL UNIQUE,
    account_id BIGINT  NOT NULL REFERENCES accounts (id),
    client_id  TEXT    NOT NULL,
    journey_id TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    expire_at  BIGINT  NOT NULL,
    pruned_at  BIGINT  NOT NULL DEFAULT 0,
    version    BIGINT  NOT NULL DEFAULT 0,
    record     BYTEA   NOT NULL
);
CREATE INDEX verifications_by_journey ON verifications (journey_id);
CREATE INDEX verifications_by_account ON verifications (account_id, created_at);

-- Per-account settings of the links: the name the page shows, the link's lifetime and the
-- retries it allows (spec: 2 OCR retries, 1 face retry, 15 minutes).
ALTER TABLE accounts ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN link_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE accounts ADD COLUMN link_ocr_retries INTEGER NOT NULL DEFAULT 2;
ALTER TABLE accounts ADD COLUMN link_face_retries INTEGER NOT NULL DEFAULT 1;
