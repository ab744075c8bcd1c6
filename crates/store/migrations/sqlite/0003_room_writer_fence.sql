-- The room writer's fence: bumped by each replica that becomes a room's
-- writer; every durable write of the room names the fence its writer got
-- and is refused when a later writer has bumped it since.
ALTER TABLE rooms ADD COLUMN writer_fence INTEGER NOT NULL DEFAULT 0;

-- Commands recently applied under a client request id, written in the
-- transaction of their events, so the room's next writer answers a retry
-- as a replay. Rows older than the room's request-id age (10 min) are
-- deleted as new ones come.
CREATE TABLE room_requests (
    room_id     TEXT    NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    request_id  TEXT    NOT NULL,
    -- digest of the command: a retry must carry the same one
    fingerprint INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id, request_id)
);
CREATE INDEX room_requests_by_age ON room_requests (room_id, at_ms);
