-- Viewer accounting by stage (docs/stages.md): which stage a watch was
-- on and how long it lasted; snapshots are read back by room and stage.
ALTER TABLE watch_sessions ADD COLUMN stage TEXT;
ALTER TABLE watch_sessions ADD COLUMN watched_ms BIGINT NOT NULL DEFAULT 0;
CREATE INDEX viewer_snapshots_by_room ON viewer_snapshots (room_id, stage, taken_at_ms);
