-- PostgreSQL twin of sqlite/001_init.sql (same tables, same meaning; see there).
CREATE TABLE accounts (
    id               BIGSERIAL PRIMARY KEY,
    username         TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL,
    company_id       TEXT    NOT NULL UNIQUE,
    disabled         INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    expires_at       BIGINT  NOT NULL DEFAULT 0,
    max_journeys     BIGINT  NOT NULL DEFAULT 0,
    journeys_created BIGINT  NOT NULL DEFAULT 0,
    retention_days   INTEGER NOT NULL DEFAULT 14 CHECK (retention_days > 0),
    created_at       BIGINT  NOT NULL
);

CREATE TABLE journeys (
    id           TEXT    PRIMARY KEY,
    account_id   BIGINT  NOT NULL REFERENCES accounts (id),
    status       TEXT    NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'COMPLETED')),
    created_at   BIGINT  NOT NULL,
    completed_at BIGINT  NOT NULL DEFAULT 0,
    purge_at     BIGINT  NOT NULL
);
CREATE INDEX journeys_by_purge ON journeys (purge_at);
CREATE INDEX journeys_by_account ON journeys (account_id);

-- seq orders rows created in the same millisecond (SQLite uses its rowid)
CREATE TABLE results (
    id         TEXT    PRIMARY KEY,
    seq        BIGSERIAL,
    journey_id TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    component  TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    payload    BYTEA   NOT NULL
);
CREATE INDEX results_by_journey ON results (journey_id, created_at, seq);

CREATE TABLE blobs (
    id           TEXT    PRIMARY KEY,
    journey_id   TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         BIGINT  NOT NULL,
    digest       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    data         BYTEA   NOT NULL
);
CREATE INDEX blobs_by_journey ON blobs (journey_id);
