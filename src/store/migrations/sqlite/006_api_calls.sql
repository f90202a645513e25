-- Quota on eKYC step calls per account (emas.md §11.1 MAX_API_CALL_EXCEEDED): 0 = unlimited.
ALTER TABLE accounts ADD COLUMN max_api_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN api_calls INTEGER NOT NULL DEFAULT 0;
