-- Each link between a person (or a package) and a message keeps the message's time and
-- category, and an index holds a person's links newest first: their newest messages are then
-- the first rows of one index, and their activity per week and service is counted from their
-- links alone. Without it, a person's page of messages meant sorting every message that
-- names them, linear in their history (real Fedora accounts have 100,000 and more), and a
-- histogram visited each of their messages (a row of kilobytes) for its category.
--
-- datanommer's tables have no such columns. A trigger fills them from messages for a link
-- written without them, so a datanommer writing into the same tables keeps them right, and a
-- message whose time or category changes moves its links along.
-- No link may be written between the fill below and the triggers: it would keep no time.
LOCK TABLE users_messages, packages_messages IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE users_messages ADD COLUMN timestamp timestamptz, ADD COLUMN category text;
ALTER TABLE packages_messages ADD COLUMN timestamp timestamptz, ADD COLUMN category text;
UPDATE users_messages l SET timestamp = m.timestamp, category = m.category FROM messages m WHERE m.id = l.msg_id;
UPDATE packages_messages l SET timestamp = m.timestamp, category = m.category FROM messages m WHERE m.id = l.msg_id;

CREATE FUNCTION link_timestamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A link written without them, or moved to another message.
    IF NEW.timestamp IS NULL OR (TG_OP = 'UPDATE' AND NEW.msg_id IS DISTINCT FROM OLD.msg_id) THEN
        SELECT m.timestamp, m.category INTO NEW.timestamp, NEW.category FROM messages m WHERE m.id = NEW.msg_id;
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
    UPDATE users_messages SET timestamp = NEW.timestamp, category = NEW.category WHERE msg_id = NEW.id;
    UPDATE packages_messages SET timestamp = NEW.timestamp, category = NEW.category WHERE msg_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_timestamp_moved AFTER UPDATE OF timestamp, category ON messages
    FOR EACH ROW WHEN (OLD.timestamp IS DISTINCT FROM NEW.timestamp OR OLD.category IS DISTINCT FROM NEW.category)
    EXECUTE FUNCTION message_timestamp_moved();

ALTER TABLE users_messages ALTER COLUMN timestamp SET NOT NULL;
ALTER TABLE packages_messages ALTER COLUMN timestamp SET NOT NULL;
CREATE INDEX users_messages_user_time_idx ON users_messages (user_id, timestamp DESC, msg_id DESC);
CREATE INDEX packages_messages_package_time_idx ON packages_messages (package_id, timestamp DESC, msg_id DESC);
