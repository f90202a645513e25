-- PostgreSQL twin of sqlite/008_capture_nonces.sql.
CREATE TABLE capture_nonces (
    nonce      TEXT   PRIMARY KEY,
    journey_id TEXT   NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX capture_nonces_by_journey ON capture_nonces (journey_id);
