-- PostgreSQL twin of sqlite/007_scorecards.sql.
CREATE TABLE scorecard_configs (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    doc_type    TEXT   NOT NULL,
    config      TEXT   NOT NULL,
    modified_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, doc_type)
);
