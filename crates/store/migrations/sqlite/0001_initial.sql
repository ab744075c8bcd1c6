-- synctv schema, version 1 (SQLite). Times are ms since the Unix epoch.
-- Keep in step with ../postgres/0001_initial.sql.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    -- lower-cased username: names are unique regardless of case
    username_key  TEXT    NOT NULL UNIQUE,
    -- argon2id PHC string
    password_hash TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    banned        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    -- sha256 of the token; the token itself is never stored
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at_ms);

CREATE TABLE rooms (
    id                 TEXT    PRIMARY KEY,
    creator_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name               TEXT    NOT NULL,
    -- argon2id PHC string of the join password, if any
    password_hash      TEXT,
    has_password       BOOLEAN NOT NULL,
    visibility         TEXT    NOT NULL CHECK (visibility IN ('public', 'hidden')),
    guests_allowed     BOOLEAN NOT NULL,
    admin_permissions  INTEGER NOT NULL,
    member_permissions INTEGER NOT NULL,
    guest_permissions  INTEGER NOT NULL,
    next_item_id       INTEGER NOT NULL,
    last_seq           INTEGER NOT NULL,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL
);
CREATE INDEX rooms_by_visibility ON rooms (visibility, created_at_ms);
CREATE INDEX rooms_by_creator ON rooms (creator_id);

CREATE TABLE room_members (
    room_id      TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    role         TEXT    NOT NULL,
    -- the member's own permission bits; NULL follows the role's defaults
    permissions  INTEGER,
    joined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_by_user ON room_members (user_id);

CREATE TABLE room_bans (
    room_id      TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    -- any user id, guests' included (stored as the i64 of the same bits)
    user_id      INTEGER NOT NULL,
    banned_at_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE playlist_items (
    room_id     TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('url', 'live')),
    url         TEXT,
    media_kind  TEXT,
    duration_ms INTEGER,
    added_by    INTEGER,
    added_at_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, item_id)
);
CREATE INDEX playlist_items_in_order ON playlist_items (room_id, position);

CREATE TABLE room_playback (
    room_id     TEXT    PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    item_id     INTEGER,
    playing     BOOLEAN NOT NULL,
    position_ms INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    rate_milli  INTEGER NOT NULL
);

CREATE TABLE chat_messages (
    room_id TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    name    TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    at_ms   INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq)
);

CREATE TABLE stream_keys (
    room_id       TEXT    PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    stream_key    TEXT    NOT NULL UNIQUE,
    rotated_at_ms INTEGER NOT NULL
);

CREATE TABLE cascade_clients (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    -- the shared secret (the server computes HMACs with it)
    secret        TEXT    NOT NULL,
    ip            TEXT,
    online        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE viewer_snapshots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    taken_at_ms INTEGER NOT NULL,
    node_id     TEXT    NOT NULL,
    room_id     TEXT    NOT NULL,
    stage       TEXT,
    viewers     INTEGER NOT NULL
);
CREATE INDEX viewer_snapshots_by_time ON viewer_snapshots (taken_at_ms);

CREATE TABLE watch_sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id       TEXT    NOT NULL,
    viewer        TEXT    NOT NULL,
    user_id       INTEGER,
    node_id       TEXT    NOT NULL,
    protocol      TEXT    NOT NULL,
    started_at_ms INTEGER NOT NULL,
    ended_at_ms   INTEGER,
    bytes_sent    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX watch_sessions_by_room ON watch_sessions (room_id, started_at_ms);

CREATE TABLE settings (
    key           TEXT    PRIMARY KEY,
    value         TEXT    NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
