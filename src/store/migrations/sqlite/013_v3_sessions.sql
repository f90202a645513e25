-- Enrollment / authentication sessions of the v3 family (docs/v3.md) share the hosted-session
-- table with H5 links: a session is a journey of the account seen through that API. family
-- tells them apart ('h5' or 'v3'); each API sees only its own.
ALTER TABLE verifications ADD COLUMN family TEXT NOT NULL DEFAULT 'h5';

-- Users enrolled through v3 sessions, per account. user_digest is a keyed digest of the
-- merchant's userId (store_secret_digest), so the id itself is not stored in the clear; the
-- record (userId, face template, when and by which session it was enrolled) is sealed.
CREATE TABLE v3_users (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    user_digest TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    record      BLOB    NOT NULL,
    PRIMARY KEY (account_id, user_digest)
);
