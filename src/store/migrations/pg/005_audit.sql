-- PostgreSQL twin of sqlite/005_audit.sql.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT  NOT NULL,
    account_id BIGINT,
    journey_id TEXT,
    action     TEXT    NOT NULL,
    status     INTEGER NOT NULL,
    outcome    TEXT    NOT NULL,
    client_ip  TEXT    NOT NULL,
    request_id TEXT    NOT NULL
);
CREATE INDEX audit_log_journey ON audit_log (journey_id, at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
