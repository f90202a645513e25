-- Per-account secret for the AES-encrypted details call (emas.md §4.11), sealed; and the switch
-- "allow journey deletion via API" (§4.12).
ALTER TABLE accounts ADD COLUMN details_key BLOB;
ALTER TABLE accounts ADD COLUMN allow_delete INTEGER NOT NULL DEFAULT 0 CHECK (allow_delete IN (0, 1));
