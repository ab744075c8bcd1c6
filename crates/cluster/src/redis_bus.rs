//! The room event bus on Redis streams: `room:{id}:events`, capped with
//! `MAXLEN ~`, each entry {seq, epoch, data}; appends fenced by the writer lease.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use redis::Script;

use crate::bus::{deliver, BusEvent, BusItem, BusReader, RoomBus};
use crate::clock::unix_ms;
use crate::config::{Keys, STREAMS_TTL};
use crate::error::ClusterError;
use crate::lease::Lease;
use crate::leases::fenced;
use crate::redis_leases::RedisLeases;
use crate::redis_link::{fenced_script, with_retry, RedisLink};
use crate::redis_stream::{field_bytes, field_string, StreamCursors};
use crate::seq::SeqTracker;

/// Longest a reader blocks in one XREAD (its link's response timeout follows).
const MAX_BLOCK: Duration = Duration::from_secs(10);

/// [`RoomBus`] on Redis streams.
#[derive(Debug)]
pub struct RedisBus {
    link: RedisLink,
    url: String,
    writers: Arc<RedisLeases>,
    append: Script,
    max_len: usize,
    retry_for: Duration,
    /// How long a room's stream lives after its last append.
    ttl: Duration,
}

impl RedisBus {
    /// A bus over `link` (readers open their own link to `url`), fenced by
    /// the room-writer leases `writers`; streams capped near `max_len`;
    /// appends retried for up to `retry_for` while the link is down.
    pub fn new(
        link: RedisLink,
        url: &str,
        writers: Arc<RedisLeases>,
        max_len: usize,
        retry_for: Duration,
    ) -> Self {
        Self {
            link,
            url: url.to_owned(),
            writers,
            append: fenced_script(include_str!("scripts/append.lua")),
            max_len,
            retry_for,
            ttl: STREAMS_TTL,
        }
    }

    /// Event streams live `ttl` after their last append (default 1 day).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    async fn append_once(
        &self,
        writer: &Lease,
        seq: u64,
        payload: &Bytes,
    ) -> Result<(), ClusterError> {
        let events = self.link.keys.room_events(&writer.resource);
        let id: Option<String> = self
            .writers
            .fenced(writer, unix_ms())
            .invocation(&self.append)
            .key(events)
            .arg(seq)
            .arg(payload.as_ref())
            .arg(self.max_len)
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        match id {
            Some(_) => Ok(()),
            None => Err(fenced(writer)),
        }
    }
}

#[async_trait]
impl RoomBus for RedisBus {
    async fn append(&self, writer: &Lease, seq: u64, payload: Bytes) -> Result<(), ClusterError> {
        with_retry(self.retry_for, || self.append_once(writer, seq, &payload)).await
    }

    fn reader(&self) -> Result<Box<dyn BusReader>, ClusterError> {
        let link = RedisLink::blocking_twin(&self.url, self.link.keys.clone(), MAX_BLOCK)?;
        Ok(Box::new(RedisBusReader {
            link,
            cursors: StreamCursors::new(Keys::room_events_of),
            tracker: SeqTracker::default(),
        }))
    }
}

#[derive(Debug)]
struct RedisBusReader {
    link: RedisLink,
    cursors: StreamCursors,
    tracker: SeqTracker,
}

#[async_trait]
impl BusReader for RedisBusReader {
    fn follow(&mut self, room: &str, last_seq: u64) {
        self.cursors.follow(&self.link, room);
        self.tracker.follow(room, last_seq);
    }

    fn unfollow(&mut self, room: &str) {
        self.cursors.unfollow(room);
        self.tracker.unfollow(room);
    }

    async fn next(&mut self, wait: Duration) -> Result<Vec<BusItem>, ClusterError> {
        let read = self.cursors.read(&self.link, wait.min(MAX_BLOCK)).await?;
        let mut out = Vec::with_capacity(read.len());
        for (room, entry) in read {
            let seq = field_string(&entry, "seq").and_then(|s| s.parse().ok());
            let (Some(seq), Some(payload)) = (seq, field_bytes(&entry, "data")) else {
                tracing::warn!(%room, id = %entry.id, "skipping a malformed bus entry");
                continue;
            };
            deliver(&mut self.tracker, BusEvent { room, seq, payload }, &mut out);
        }
        Ok(out)
    }
}
