-- Faces an account wants to be told about (OkayFace v2 blacklist search). Label and template
-- are personal data: sealed like results and blobs.
CREATE TABLE blacklist_faces (
    id         TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    label      BLOB    NOT NULL,
    template   BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX blacklist_by_account ON blacklist_faces (account_id, created_at);
