-- PostgreSQL twin of sqlite/003_details.sql.
ALTER TABLE accounts ADD COLUMN details_key BYTEA;
ALTER TABLE accounts ADD COLUMN allow_delete INTEGER NOT NULL DEFAULT 0 CHECK (allow_delete IN (0, 1));
