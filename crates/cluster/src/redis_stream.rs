//! Reading several rooms' Redis streams at once from per-room cursors.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use redis::streams::{StreamId, StreamRangeReply, StreamReadOptions, StreamReadReply};
use redis::AsyncCommands;

use crate::error::ClusterError;
use crate::redis_link::RedisLink;

/// Entries read per call at most.
const READ_COUNT: usize = 512;

/// Per-room cursors (last entry id read) over streams named by `stream_key`.
#[derive(Debug)]
pub(crate) struct StreamCursors {
    /// room -> last id read ("0" before the first).
    cursors: HashMap<String, String>,
    /// stream key -> room.
    rooms: HashMap<String, String>,
    stream_key: fn(&crate::config::Keys, &str) -> String,
    /// A read failed: the streams may have been lost and re-created since.
    suspect: bool,
}

impl StreamCursors {
    pub(crate) fn new(stream_key: fn(&crate::config::Keys, &str) -> String) -> Self {
        Self {
            cursors: HashMap::new(),
            rooms: HashMap::new(),
            stream_key,
            suspect: false,
        }
    }

    pub(crate) fn follow(&mut self, link: &RedisLink, room: &str) {
        let key = (self.stream_key)(&link.keys, room);
        self.rooms.insert(key, room.to_owned());
        self.cursors.insert(room.to_owned(), "0".to_owned());
    }

    pub(crate) fn unfollow(&mut self, room: &str) {
        self.cursors.remove(room);
        self.rooms.retain(|_, r| r != room);
    }

    /// Entries after the cursors (advancing them), blocking up to `wait`.
    pub(crate) async fn read(
        &mut self,
        link: &RedisLink,
        wait: Duration,
    ) -> Result<Vec<(String, StreamId)>, ClusterError> {
        if self.rooms.is_empty() {
            tokio::time::sleep(wait).await;
            return Ok(Vec::new());
        }
        if self.suspect {
            self.revalidate(link).await?;
            self.suspect = false;
        }
        let read = self.read_after_cursors(link, wait).await;
        self.suspect = read.is_err();
        read
    }

    /// After a failure, a stream whose newest entry is older than the cursor
    /// (or that is empty) was re-created, e.g. by a Redis that lost its data
    /// and whose clock is behind: read it again from its start.
    async fn revalidate(&mut self, link: &RedisLink) -> Result<(), ClusterError> {
        for (key, room) in &self.rooms {
            let newest: StreamRangeReply =
                link.conn.clone().xrevrange_count(key, "+", "-", 1).await?;
            let Some(cursor) = self.cursors.get_mut(room) else {
                continue;
            };
            let behind = newest
                .ids
                .first()
                .is_none_or(|entry| parse_id(&entry.id) < parse_id(cursor));
            if behind {
                *cursor = "0".to_owned();
            }
        }
        Ok(())
    }

    async fn read_after_cursors(
        &mut self,
        link: &RedisLink,
        wait: Duration,
    ) -> Result<Vec<(String, StreamId)>, ClusterError> {
        let (keys, ids): (Vec<&String>, Vec<&String>) = self
            .rooms
            .iter()
            .filter_map(|(key, room)| Some((key, self.cursors.get(room)?)))
            .unzip();
        // BLOCK 0 would wait forever.
        let block = wait.as_millis().clamp(1, u32::MAX as u128) as usize;
        let opts = StreamReadOptions::default().block(block).count(READ_COUNT);
        let reply: Option<StreamReadReply> =
            link.conn.clone().xread_options(&keys, &ids, &opts).await?;
        let mut read = Vec::new();
        for stream in reply.map(|r| r.keys).unwrap_or_default() {
            let Some(room) = self.rooms.get(&stream.key).cloned() else {
                continue;
            };
            if let Some(last) = stream.ids.last() {
                self.cursors.insert(room.clone(), last.id.clone());
            }
            read.extend(stream.ids.into_iter().map(|id| (room.clone(), id)));
        }
        Ok(read)
    }
}

/// An entry id `ms-seq` as a comparable pair (malformed ids sort first).
fn parse_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

/// A field of an entry as bytes.
pub(crate) fn field_bytes(entry: &StreamId, name: &str) -> Option<Bytes> {
    let value = entry.map.get(name)?;
    redis::from_redis_value_ref::<Vec<u8>>(value)
        .ok()
        .map(Bytes::from)
}

/// A field of an entry as text.
pub(crate) fn field_string(entry: &StreamId, name: &str) -> Option<String> {
    let value = entry.map.get(name)?;
    redis::from_redis_value_ref::<String>(value).ok()
}
