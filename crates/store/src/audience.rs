//! Viewer accounting's cold tier: watch sessions, written in batches, and
//! snapshots of viewer counts per room and stage (docs/stages.md).

use std::future::Future;

use crate::columns::Columns;
use crate::error::StoreError;
use crate::sql::{insert_rows, Arg};
use crate::store::{on_pool, Store};

/// One finished watch: a viewer on a room's stage from start to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRow {
    pub room: String,
    pub viewer: String,
    pub stage: String,
    /// The node serving the stage.
    pub node: String,
    pub started_at_ms: i64,
    pub ended_at_ms: i64,
    pub watched_ms: i64,
}

/// Viewers of one stage at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub room: String,
    pub stage: String,
    pub viewers: i64,
}

/// Watch sessions and viewer snapshots.
pub trait AudienceRepo {
    /// Stores finished watches, all or none.
    fn record_watches(
        &self,
        rows: Vec<WatchRow>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores the counts `node` saw at `taken_at_ms`.
    fn record_snapshot(
        &self,
        node: &str,
        taken_at_ms: i64,
        rows: Vec<SnapshotRow>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The latest stored count of each stage of `room` taken at or after
    /// `since_ms`.
    fn latest_snapshot(
        &self,
        room: &str,
        since_ms: i64,
    ) -> impl Future<Output = Result<Vec<SnapshotRow>, StoreError>> + Send;

    /// Milliseconds watched in `room`, over every stored watch.
    fn watched_ms(&self, room: &str) -> impl Future<Output = Result<i64, StoreError>> + Send;
}

impl AudienceRepo for Store {
    async fn record_watches(&self, rows: Vec<WatchRow>) -> Result<(), StoreError> {
        let rows = rows
            .into_iter()
            .map(|w| {
                vec![
                    Arg::Text(w.room),
                    Arg::Text(w.viewer),
                    Arg::Text(w.node),
                    Arg::Text("any".into()),
                    Arg::Int(w.started_at_ms),
                    Arg::Int(w.ended_at_ms),
                    Arg::OptText(Some(w.stage)),
                    Arg::Int(w.watched_ms),
                ]
            })
            .collect();
        let head = "watch_sessions (room_id, viewer, node_id, protocol, started_at_ms, \
                    ended_at_ms, stage, watched_ms)";
        self.apply(&insert_rows(head, 8, rows)).await
    }

    async fn record_snapshot(
        &self,
        node: &str,
        taken_at_ms: i64,
        rows: Vec<SnapshotRow>,
    ) -> Result<(), StoreError> {
        let rows = rows
            .into_iter()
            .map(|s| {
                vec![
                    Arg::Int(taken_at_ms),
                    Arg::Text(node.to_owned()),
                    Arg::Text(s.room),
                    Arg::OptText(Some(s.stage)),
                    Arg::Int(s.viewers),
                ]
            })
            .collect();
        let head = "viewer_snapshots (taken_at_ms, node_id, room_id, stage, viewers)";
        self.apply(&insert_rows(head, 5, rows)).await
    }

    async fn latest_snapshot(
        &self,
        room: &str,
        since_ms: i64,
    ) -> Result<Vec<SnapshotRow>, StoreError> {
        let sql = "SELECT s.stage, s.viewers FROM viewer_snapshots s \
                   WHERE s.room_id = $1 AND s.stage IS NOT NULL AND s.taken_at_ms >= $2 \
                   AND s.taken_at_ms = (SELECT MAX(t.taken_at_ms) FROM viewer_snapshots t \
                   WHERE t.room_id = s.room_id AND t.stage = s.stage)";
        on_pool!(self, |pool| {
            let rows = sqlx::query(sql)
                .bind(room)
                .bind(since_ms)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(SnapshotRow {
                        room: room.to_owned(),
                        stage: row.text("stage")?,
                        viewers: row.int("viewers")?,
                    })
                })
                .collect()
        })
    }

    async fn watched_ms(&self, room: &str) -> Result<i64, StoreError> {
        let sql = "SELECT CAST(COALESCE(SUM(watched_ms), 0) AS BIGINT) AS total \
                   FROM watch_sessions WHERE room_id = $1";
        on_pool!(self, |pool| {
            let row = sqlx::query(sql).bind(room).fetch_one(pool).await?;
            row.int("total")
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn watches_and_snapshots_come_back_by_room_and_stage() {
        let dir = std::env::temp_dir().join(format!("synctv-audience-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(None, &dir).await.unwrap();
        let watch = |viewer: &str, ms| WatchRow {
            room: "r1".into(),
            viewer: viewer.into(),
            stage: "s1".into(),
            node: "a".into(),
            started_at_ms: 1_000,
            ended_at_ms: 1_000 + ms,
            watched_ms: ms,
        };
        store
            .record_watches(vec![watch("v1", 3_000), watch("v2", 4_500)])
            .await
            .unwrap();
        assert_eq!(store.watched_ms("r1").await.unwrap(), 7_500);
        assert_eq!(store.watched_ms("r2").await.unwrap(), 0);
        let snap = |stage: &str, viewers| SnapshotRow {
            room: "r1".into(),
            stage: stage.into(),
            viewers,
        };
        store
            .record_snapshot("a", 10, vec![snap("s1", 4), snap("s2", 2)])
            .await
            .unwrap();
        store
            .record_snapshot("a", 20, vec![snap("s1", 5)])
            .await
            .unwrap();
        let mut latest = store.latest_snapshot("r1", 0).await.unwrap();
        latest.sort_by(|a, b| a.stage.cmp(&b.stage));
        assert_eq!(latest, vec![snap("s1", 5), snap("s2", 2)]);
        assert!(store.latest_snapshot("r1", 21).await.unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
