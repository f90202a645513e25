-- PostgreSQL twin of sqlite/012_blacklist_version.sql.
ALTER TABLE accounts ADD COLUMN blacklist_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION blacklist_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE accounts SET blacklist_version = blacklist_version + 1 WHERE id = NEW.account_id;
    ELSE
        UPDATE accounts SET blacklist_version = blacklist_version + 1 WHERE id = OLD.account_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER blacklist_faces_changed AFTER INSERT OR DELETE ON blacklist_faces
    FOR EACH ROW EXECUTE FUNCTION blacklist_version_bump();
