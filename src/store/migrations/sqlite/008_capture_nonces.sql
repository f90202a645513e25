-- Single-use nonces of OkayFace Plus capture keys (docs/capture-bundle.md). The key itself is
-- derived from the master key and the nonce, never stored. Deleted with the journey.
CREATE TABLE capture_nonces (
    nonce      TEXT    PRIMARY KEY,
    journey_id TEXT    NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX capture_nonces_by_journey ON capture_nonces (journey_id);
