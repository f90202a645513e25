-- PostgreSQL twin of sqlite/004_required_steps.sql.
ALTER TABLE accounts ADD COLUMN required_steps TEXT NOT NULL DEFAULT 'okayid,okaydoc,okayface';
