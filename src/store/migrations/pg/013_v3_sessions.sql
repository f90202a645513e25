-- PostgreSQL twin of sqlite/013_v3_sessions.sql.
ALTER TABLE verifications ADD COLUMN family TEXT NOT NULL DEFAULT 'h5';

CREATE TABLE v3_users (
    account_id  BIGINT  NOT NULL REFERENCES accounts (id),
    user_digest TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    record      BYTEA   NOT NULL,
    PRIMARY KEY (account_id, user_digest)
);
