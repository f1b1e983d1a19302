-- How many messages name each person and each package, kept by triggers on the link tables:
-- "how many messages name ralph" (a grep's total, fedmsgstats) is then one row, where
-- counting their links grew with their history. datanommer writing into the link tables
-- keeps it right too: the triggers see every insert, delete (a message deleted takes its
-- links along), change of a link, and TRUNCATE. (Each count is a row that every link to
-- that person locks until its transaction ends: writers that link the same people in
-- opposite orders can deadlock; PostgreSQL then fails one of them, whose message hubs logs
-- and forgets as seen, so that a later copy of it is archived.)
--
-- No link may be written between the counting below and the triggers: it would never be
-- counted.
LOCK TABLE users_messages, packages_messages IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE users_message_counts (
    user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    n       bigint NOT NULL
);
CREATE TABLE packages_message_counts (
    package_id integer PRIMARY KEY REFERENCES packages (id) ON DELETE CASCADE,
    n          bigint NOT NULL
);
INSERT INTO users_message_counts SELECT user_id, count(*) FROM users_messages GROUP BY user_id;
INSERT INTO packages_message_counts SELECT package_id, count(*) FROM packages_messages GROUP BY package_id;

CREATE FUNCTION users_message_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE users_message_counts SET n = n - 1 WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO users_message_counts (user_id, n) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET n = users_message_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_messages_count AFTER INSERT OR DELETE OR UPDATE OF user_id ON users_messages
    FOR EACH ROW EXECUTE FUNCTION users_message_count();

CREATE FUNCTION packages_message_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE packages_message_counts SET n = n - 1 WHERE package_id = OLD.package_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO packages_message_counts (package_id, n) VALUES (NEW.package_id, 1)
        ON CONFLICT (package_id) DO UPDATE SET n = packages_message_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER packages_messages_count AFTER INSERT OR DELETE OR UPDATE OF package_id ON packages_messages
    FOR EACH ROW EXECUTE FUNCTION packages_message_count();

-- TRUNCATE fires no row trigger: the counts go with the links.
CREATE FUNCTION message_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users_messages' THEN
        DELETE FROM users_message_counts;
    ELSE
        DELETE FROM packages_message_counts;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_messages_truncated AFTER TRUNCATE ON users_messages
    FOR EACH STATEMENT EXECUTE FUNCTION message_counts_truncated();
CREATE TRIGGER packages_messages_truncated AFTER TRUNCATE ON packages_messages
    FOR EACH STATEMENT EXECUTE FUNCTION message_counts_truncated();
