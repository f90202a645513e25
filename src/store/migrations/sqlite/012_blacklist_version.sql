-- A version per account's blacklist, moved on every add and delete by triggers in the same
-- transaction as the change, whichever node made it. A node keeps the blacklist in memory
-- (api/blacklist_index.c) and compares the version it was read at before each search.
ALTER TABLE accounts ADD COLUMN blacklist_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER blacklist_faces_added AFTER INSERT ON blacklist_faces
BEGIN
    UPDATE accounts SET blacklist_version = blacklist_version + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER blacklist_faces_deleted AFTER DELETE ON blacklist_faces
BEGIN
    UPDATE accounts SET blacklist_version = blacklist_version + 1 WHERE id = OLD.account_id;
END;
