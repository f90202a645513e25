-- PostgreSQL twin of sqlite/002_blacklist.sql.
CREATE TABLE blacklist_faces (
    id         TEXT    PRIMARY KEY,
    seq        BIGSERIAL,
    account_id BIGINT  NOT NULL REFERENCES accounts (id),
    label      BYTEA   NOT NULL,
    template   BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX blacklist_by_account ON blacklist_faces (account_id, created_at, seq);
