-- PostgreSQL twin of sqlite/010_jobs.sql (claimed with FOR UPDATE SKIP LOCKED).
CREATE TABLE jobs (
    id          TEXT   PRIMARY KEY,
    journey_id  TEXT   NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL,
    status      TEXT   NOT NULL CHECK (status IN ('running', 'failed')),
    node        TEXT   NOT NULL,
    attempts    INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    failed_at   BIGINT,
    input       BYTEA
);
CREATE INDEX jobs_by_lease ON jobs (status, lease_until);
CREATE INDEX jobs_by_journey ON jobs (journey_id);
