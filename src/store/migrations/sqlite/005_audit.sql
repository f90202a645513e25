-- Who did what to which journey, and when (issue 6). No personal data: the account, the API
-- client's address, the route, the HTTP status and the answer's code. Rows outlive the journey
-- they name, so that its deletion and purge stay on record.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,          -- epoch ms
    account_id INTEGER,           -- NULL when the caller was not identified
    journey_id TEXT,              -- NULL when the call named no well-formed journey id
    action TEXT NOT NULL,         -- "POST /api/ekyc/okayid"
    status INTEGER NOT NULL,      -- HTTP status
    outcome TEXT NOT NULL,        -- "success" or the error code answered
    client_ip TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX audit_log_journey ON audit_log (journey_id, at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
