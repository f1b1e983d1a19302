-- Each link between a person (or a package) and a message keeps the message's time, and an
-- index holds a person's links newest first: their newest messages are then the first rows
-- of one index. Without it, a person's page of messages meant sorting every message that
-- names them, linear in their history (real Fedora accounts have 100,000 and more).
--
-- datanommer's tables have no such column. A trigger fills it from messages for a link
-- written without it, so a datanommer writing into the same tables keeps it right, and a
-- message whose time changes moves its links along.
ALTER TABLE users_messages ADD COLUMN timestamp timestamptz;
ALTER TABLE packages_messages ADD COLUMN timestamp timestamptz;
UPDATE users_messages l SET timestamp = m.timestamp FROM messages m WHERE m.id = l.msg_id;
UPDATE packages_messages l SET timestamp = m.timestamp FROM messages m WHERE m.id = l.msg_id;

CREATE FUNCTION link_timestamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.timestamp IS NULL THEN
        SELECT m.timestamp INTO NEW.timestamp FROM messages m WHERE m.id = NEW.msg_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_messages_timestamp BEFORE INSERT OR UPDATE OF msg_id ON users_messages
    FOR EACH ROW EXECUTE FUNCTION link_timestamp();
CREATE TRIGGER packages_messages_timestamp BEFORE INSERT OR UPDATE OF msg_id ON packages_messages
    FOR EACH ROW EXECUTE FUNCTION link_timestamp();

CREATE FUNCTION message_timestamp_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users_messages SET timestamp = NEW.timestamp WHERE msg_id = NEW.id;
    UPDATE packages_messages SET timestamp = NEW.timestamp WHERE msg_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_timestamp_moved AFTER UPDATE OF timestamp ON messages
    FOR EACH ROW WHEN (OLD.timestamp IS DISTINCT FROM NEW.timestamp)
    EXECUTE FUNCTION message_timestamp_moved();

ALTER TABLE users_messages ALTER COLUMN timestamp SET NOT NULL;
ALTER TABLE packages_messages ALTER COLUMN timestamp SET NOT NULL;
CREATE INDEX users_messages_user_time_idx ON users_messages (user_id, timestamp DESC, msg_id DESC);
CREATE INDEX packages_messages_package_time_idx ON packages_messages (package_id, timestamp DESC, msg_id DESC);
