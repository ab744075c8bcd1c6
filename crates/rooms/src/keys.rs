//! Stream keys for the live engine: keys from the configuration, then each
//! room's own key from storage. A room's key publishes the stream named
//! after the room id (`/flv/{room}.flv`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use live::{BoxFuture, StaticKeys, StreamKeys};
use store::{RoomId, RoomRepo, Store, StoreError, StreamKeyRepo};

use crate::clock::now_ms;
use crate::PlayTokens;

/// How long the answer "does this stream need a play token" is reused.
/// HLS players ask for a playlist or a segment every second or so each;
/// storage is asked at most once per stream per period. A password set
/// or removed takes effect for viewers within this time.
const GATE_TTL: Duration = Duration::from_secs(2);
/// Streams remembered at most (stale ones are dropped first).
const GATE_ENTRIES: usize = 4096;

/// The configured keys first, then the rooms' keys. The streams of rooms
/// with a password play only with a play token.
#[derive(Debug, Clone)]
pub struct RoomStreamKeys {
    configured: StaticKeys,
    store: Store,
    tokens: PlayTokens,
    gates: Arc<Mutex<HashMap<String, (bool, Instant)>>>,
    gate_ttl: Duration,
}

impl RoomStreamKeys {
    pub fn new(configured: StaticKeys, store: Store, tokens: PlayTokens) -> RoomStreamKeys {
        RoomStreamKeys {
            configured,
            store,
            tokens,
            gates: Arc::default(),
            gate_ttl: GATE_TTL,
        }
    }

    #[cfg(test)]
    fn with_gate_ttl(mut self, ttl: Duration) -> RoomStreamKeys {
        self.gate_ttl = ttl;
        self
    }

    async fn room_may_play(&self, stream: &str, token: Option<&str>) -> bool {
        let needs_token = match self.remembered(stream) {
            Some(needs_token) => needs_token,
            None => match self.needs_token(stream).await {
                Some(needs_token) => self.remember(stream, needs_token),
                None => return false,
            },
        };
        !needs_token || token.is_some_and(|token| self.tokens.verify(stream, token, now_ms()))
    }

    /// Whether `stream` is the stream of a room with a password; `None`
    /// when storage cannot tell (the viewer is refused, nothing is kept).
    async fn needs_token(&self, stream: &str) -> Option<bool> {
        let Some(id) = RoomId::parse(stream) else {
            return Some(false); // not a room's stream
        };
        match self.store.room(&id).await {
            Ok(record) => Some(record.settings.has_password),
            Err(StoreError::NotFound { .. }) => Some(false),
            Err(e) => {
                tracing::warn!("room lookup for a viewer failed: {e}");
                None
            }
        }
    }

    fn remembered(&self, stream: &str) -> Option<bool> {
        let gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let (needs_token, at) = gates.get(stream)?;
        (at.elapsed() < self.gate_ttl).then_some(*needs_token)
    }

    fn remember(&self, stream: &str, needs_token: bool) -> bool {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        if gates.len() >= GATE_ENTRIES {
            gates.retain(|_, (_, at)| at.elapsed() < self.gate_ttl);
            if gates.len() >= GATE_ENTRIES {
                gates.clear();
            }
        }
        gates.insert(stream.to_owned(), (needs_token, Instant::now()));
        needs_token
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
    use store::{RoomRepo, RoomStateRepo, UserRepo};

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

    #[tokio::test]
    async fn whether_a_stream_needs_a_token_is_remembered_for_a_while() {
        let store = Store::open_sqlite_memory().await.unwrap();
        let user = store.create_user("host", "x", NOW).await.unwrap();
        let room = Room::new(
            user.id,
            "host",
            RoomSettings::new("open"),
            RoomLimits::default(),
            NOW,
        )
        .unwrap();
        let record = store
            .create_room(user.id, &room.saved(), None, NOW)
            .await
            .unwrap();
        let stream = record.id.as_str();
        let tokens = PlayTokens::from_secret(b"test");
        let token = tokens.issue(stream, now_ms() + 60_000);
        let new_keys = |ttl| {
            RoomStreamKeys::new(StaticKeys::default(), store.clone(), tokens.clone())
                .with_gate_ttl(ttl)
        };
        let remembering = new_keys(Duration::from_secs(3600));
        assert!(remembering.may_play(stream, None).await, "no password yet");

        let mut settings = room.settings().clone();
        settings.has_password = true;
        let stamp = store::Stamp { seq: 1, at_ms: NOW };
        store
            .update_settings(&record.id, &settings, stamp)
            .await
            .unwrap();

        assert!(
            remembering.may_play(stream, None).await,
            "the answer is kept"
        );
        let fresh = new_keys(Duration::ZERO);
        assert!(
            !fresh.may_play(stream, None).await,
            "storage says: password"
        );
        assert!(fresh.may_play(stream, Some(&token)).await);
        assert!(fresh.may_play("not a room id!", None).await);
    }
}
