//! Stream keys for the live engine: keys from the configuration, then each
//! room's own key from storage. A room's key publishes the stream named
//! after the room id (`/flv/{room}.flv`).

use live::{BoxFuture, StaticKeys, StreamKeys};
use store::{RoomId, RoomRepo, Store, StoreError, StreamKeyRepo};

use crate::auth::now_ms;
use crate::PlayTokens;

/// The configured keys first, then the rooms' keys. The streams of rooms
/// with a password play only with a play token.
#[derive(Debug, Clone)]
pub struct RoomStreamKeys {
    configured: StaticKeys,
    store: Store,
    tokens: PlayTokens,
}

impl RoomStreamKeys {
    pub fn new(configured: StaticKeys, store: Store, tokens: PlayTokens) -> RoomStreamKeys {
        RoomStreamKeys {
            configured,
            store,
            tokens,
        }
    }

    async fn room_may_play(&self, stream: &str, token: Option<&str>) -> bool {
        let Some(id) = RoomId::parse(stream) else {
            return true; // not a room's stream
        };
        let record = match self.store.room(&id).await {
            Ok(record) => record,
            Err(StoreError::NotFound { .. }) => return true,
            Err(e) => {
                tracing::warn!("room lookup for a viewer failed: {e}");
                return false;
            }
        };
        if !record.settings.has_password {
            return true;
        }
        token.is_some_and(|token| self.tokens.verify(stream, token, now_ms()))
    }

    async fn resolve_room(&self, key: &str) -> Option<String> {
        match self.store.room_by_stream_key(key).await {
            Ok(room) => Some(room.as_str().to_owned()),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => {
                tracing::warn!("stream key lookup failed: {e}");
                None
            }
        }
    }
}

impl StreamKeys for RoomStreamKeys {
    fn resolve<'a>(&'a self, app: &'a str, key: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            if let Some(stream) = self.configured.resolve(app, key).await {
                return Some(stream);
            }
            if app != live::APP {
                return None;
            }
            self.resolve_room(key).await
        })
    }

    fn may_play<'a>(&'a self, stream: &'a str, token: Option<&'a str>) -> BoxFuture<'a, bool> {
        Box::pin(self.room_may_play(stream, token))
    }
}

#[cfg(test)]
mod tests {
    use room::{Room, RoomLimits, RoomSettings};
    use store::{RoomRepo, UserRepo};

    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[tokio::test]
    async fn a_rooms_key_publishes_the_room_and_a_rotated_key_stops_working() {
        let store = Store::open_sqlite_memory().await.unwrap();
        let user = store.create_user("host", "x", NOW).await.unwrap();
        let saved = Room::new(
            user.id,
            "host",
            RoomSettings::new("movie night"),
            RoomLimits::default(),
            NOW,
        )
        .unwrap()
        .saved();
        let record = store.create_room(user.id, &saved, None, NOW).await.unwrap();
        let key = store.stream_key(&record.id).await.unwrap();
        let configured = StaticKeys::new([("show".to_owned(), "cfg-key".to_owned())]);
        let tokens = PlayTokens::from_secret(b"test");
        let keys = RoomStreamKeys::new(configured, store.clone(), tokens);

        let stream = keys.resolve("live", key.as_str()).await;
        assert_eq!(stream.as_deref(), Some(record.id.as_str()));
        assert_eq!(
            keys.resolve("live", "cfg-key").await.as_deref(),
            Some("show")
        );
        assert_eq!(keys.resolve("other", key.as_str()).await, None);
        assert_eq!(keys.resolve("live", "nope").await, None);

        store.rotate_stream_key(&record.id, NOW).await.unwrap();
        assert_eq!(keys.resolve("live", key.as_str()).await, None);
    }
}
