-- Hubs' own tables. People are in "people", not "users": "users" is datanommer's table of
-- user names seen in bus messages, below, and its name must stay datanommer's.
CREATE TABLE people (
    username  text PRIMARY KEY,
    full_name text NOT NULL DEFAULT '',
    created   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hubs (
    name          text PRIMARY KEY,
    summary       text NOT NULL DEFAULT '',
    user_hub      boolean NOT NULL DEFAULT false,
    archived      boolean NOT NULL DEFAULT false,
    left_width    integer NOT NULL DEFAULT 8 CHECK (left_width BETWEEN 1 AND 11),
    avatar_url    text NOT NULL DEFAULT '',
    created       timestamptz NOT NULL DEFAULT now(),
    last_activity timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hub_roles (
    hub      text NOT NULL REFERENCES hubs (name) ON DELETE CASCADE,
    username text NOT NULL REFERENCES people (username) ON DELETE CASCADE,
    role     text NOT NULL CHECK (role IN ('owner', 'member', 'subscriber', 'stargazer')),
    created  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hub, username, role)
);
CREATE INDEX hub_roles_username_idx ON hub_roles (username);

CREATE TABLE widgets (
    id       bigserial PRIMARY KEY,
    hub      text NOT NULL REFERENCES hubs (name) ON DELETE CASCADE,
    name     text NOT NULL CHECK (name <> ''),
    "column" text NOT NULL CHECK ("column" IN ('left', 'right')),
    position integer NOT NULL CHECK (position >= 0),
    config   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    created  timestamptz NOT NULL DEFAULT now(),
    updated  timestamptz NOT NULL DEFAULT now(),
    -- Deferred so that a move can renumber a column inside one transaction.
    CONSTRAINT widgets_slot_key UNIQUE (hub, "column", position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX widgets_name_idx ON widgets (name);

-- The message archive, in datanommer's layout (table and column names), so that the queries
-- written against it can later read an existing datanommer database.
CREATE TABLE messages (
    id             bigserial PRIMARY KEY,
    msg_id         text UNIQUE,
    i              integer NOT NULL DEFAULT 0,
    topic          text NOT NULL,
    timestamp      timestamptz NOT NULL,
    certificate    text,
    signature      text,
    category       text,
    username       text,
    crypto         text,
    source_name    text,
    source_version text,
    msg            json NOT NULL,
    headers        json
);
CREATE INDEX messages_topic_idx ON messages (topic);
CREATE INDEX messages_category_idx ON messages (category);
CREATE INDEX messages_timestamp_idx ON messages (timestamp);

CREATE TABLE users (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE packages (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE users_messages (
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    msg_id  bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, msg_id)
);
CREATE INDEX users_messages_msg_id_idx ON users_messages (msg_id);

CREATE TABLE packages_messages (
    package_id integer NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    msg_id     bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (package_id, msg_id)
);
CREATE INDEX packages_messages_msg_id_idx ON packages_messages (msg_id);
