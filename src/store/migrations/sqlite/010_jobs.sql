-- Long-running steps (OkayID, OkayDoc) as jobs with a lease (docs/jobs.md). The node that took
-- the request runs the job and renews its lease while it lives; a job whose lease ran out (its
-- node died) is claimed by another node and run again, at most max attempts in all, then
-- marked failed. input is the sealed request; it is dropped when the job fails and the whole
-- row goes when the job is done. Gone with the journey.
CREATE TABLE jobs (
    id          TEXT    PRIMARY KEY,
    journey_id  TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'failed')),
    node        TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    lease_until INTEGER NOT NULL,
    failed_at   INTEGER,
    input       BLOB
);
CREATE INDEX jobs_by_lease ON jobs (status, lease_until);
CREATE INDEX jobs_by_journey ON jobs (journey_id);
