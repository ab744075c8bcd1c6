//! Stream keys: one per room, random, rotatable.

use std::future::Future;

use crate::columns::Columns;
use crate::error::{Entity, StoreError};
use crate::ids::RoomId;
use crate::secret::StreamKey;
use crate::sql::Stmt;
use crate::store::{on_pool, Store};

/// The rooms' stream keys (the live engine resolves a publisher's key to
/// a room through [`StreamKeyRepo::room_by_stream_key`]).
pub trait StreamKeyRepo {
    /// The room's current key (made when the room was created).
    fn stream_key(
        &self,
        room: &RoomId,
    ) -> impl Future<Output = Result<StreamKey, StoreError>> + Send;

    /// Replaces the room's key with a new random one; the old key stops
    /// working at once.
    fn rotate_stream_key(
        &self,
        room: &RoomId,
        now_ms: i64,
    ) -> impl Future<Output = Result<StreamKey, StoreError>> + Send;

    /// The room whose current key is `key`
    /// ([`StoreError::NotFound`] on [`Entity::StreamKey`] otherwise).
    fn room_by_stream_key(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<RoomId, StoreError>> + Send;
}

impl StreamKeyRepo for Store {
    async fn stream_key(&self, room: &RoomId) -> Result<StreamKey, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT stream_key FROM stream_keys WHERE room_id = $1")
                .bind(room.as_str())
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::Room))?;
            Ok(StreamKey::from_db(row.text("stream_key")?))
        })
    }

    async fn rotate_stream_key(&self, room: &RoomId, now_ms: i64) -> Result<StreamKey, StoreError> {
        let key = StreamKey::generate()?;
        let stmt = Stmt::new(
            "INSERT INTO stream_keys (room_id, stream_key, rotated_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (room_id) DO UPDATE \
             SET stream_key = excluded.stream_key, rotated_at_ms = excluded.rotated_at_ms",
        )
        .text(room.as_str())
        .text(key.as_str())
        .int(now_ms)
        .unique(Entity::StreamKey)
        .references(Entity::Room);
        self.apply(&[stmt]).await?;
        Ok(key)
    }

    async fn room_by_stream_key(&self, key: &str) -> Result<RoomId, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT room_id FROM stream_keys WHERE stream_key = $1")
                .bind(key)
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::StreamKey))?;
            Ok(RoomId::from_db(row.text("room_id")?))
        })
    }
}
