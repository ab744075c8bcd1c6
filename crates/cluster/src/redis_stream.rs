//! Reading several rooms' Redis streams at once from per-room cursors.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use redis::streams::{StreamId, StreamReadOptions, StreamReadReply};
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
}

impl StreamCursors {
    pub(crate) fn new(stream_key: fn(&crate::config::Keys, &str) -> String) -> Self {
        Self {
            cursors: HashMap::new(),
            rooms: HashMap::new(),
            stream_key,
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
