-- PostgreSQL twin of sqlite/006_api_calls.sql.
ALTER TABLE accounts ADD COLUMN max_api_calls BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN api_calls BIGINT NOT NULL DEFAULT 0;
