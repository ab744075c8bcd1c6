//! Command forwarding on Redis: `room:{id}:commands` (a stream of
//! {request, data}), `room:{id}:request:{request_id}` markers (SET NX with a
//! TTL) so a retried forward is queued once, acks fenced by the writer lease.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use redis::Script;

use crate::clock::unix_ms;
use crate::commands::{CommandQueue, CommandReader, Forwarded, ForwardedCommand, REQUEST_ID_TTL};
use crate::config::{Keys, STREAMS_TTL};
use crate::error::ClusterError;
use crate::lease::Lease;
use crate::leases::fenced;
use crate::redis_leases::RedisLeases;
use crate::redis_link::{fenced_script, with_retry, RedisLink};
use crate::redis_stream::{field_bytes, field_string, StreamCursors};

/// Longest a reader blocks in one XREAD.
const MAX_BLOCK: Duration = Duration::from_secs(10);
/// Cap on a room's queued commands, against unbounded growth while no writer
/// runs; far above what a room produces between two writer leases.
const MAX_QUEUED: usize = 10_000;

/// [`CommandQueue`] on Redis streams.
#[derive(Debug)]
pub struct RedisCommands {
    link: RedisLink,
    url: String,
    writers: Arc<RedisLeases>,
    forward: Script,
    ack: Script,
    retry_for: Duration,
    /// How long a room's command stream lives after its last forward.
    ttl: Duration,
}

impl RedisCommands {
    /// A queue over `link` (readers open their own link to `url`), acks
    /// fenced by `writers`, forwards retried for up to `retry_for`.
    pub fn new(link: RedisLink, url: &str, writers: Arc<RedisLeases>, retry_for: Duration) -> Self {
        Self {
            link,
            url: url.to_owned(),
            writers,
            forward: Script::new(include_str!("scripts/forward.lua")),
            ack: fenced_script(include_str!("scripts/ack.lua")),
            retry_for,
            ttl: STREAMS_TTL,
        }
    }

    /// Command streams live `ttl` after their last forward (default 1 day).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    async fn forward_once(
        &self,
        room: &str,
        request_id: &str,
        payload: &Bytes,
    ) -> Result<Forwarded, ClusterError> {
        let keys = &self.link.keys;
        let queued: i64 = self
            .forward
            .key(keys.room_commands(room))
            .key(keys.room_request(room, request_id))
            .arg(request_id)
            .arg(payload.as_ref())
            .arg(REQUEST_ID_TTL.as_millis() as u64)
            .arg(MAX_QUEUED)
            .arg(self.ttl.as_millis() as u64)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        Ok(if queued == 1 {
            Forwarded::Queued
        } else {
            Forwarded::AlreadyQueued
        })
    }
}

#[async_trait]
impl CommandQueue for RedisCommands {
    async fn forward(
        &self,
        room: &str,
        request_id: &str,
        payload: Bytes,
    ) -> Result<Forwarded, ClusterError> {
        with_retry(self.retry_for, || {
            self.forward_once(room, request_id, &payload)
        })
        .await
    }

    async fn ack(&self, writer: &Lease, id: &str) -> Result<(), ClusterError> {
        let commands = self.link.keys.room_commands(&writer.resource);
        let acked: i64 = self
            .writers
            .fenced(writer, unix_ms())
            .invocation(&self.ack)
            .key(commands)
            .arg(id)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        if acked == 1 {
            Ok(())
        } else {
            Err(fenced(writer))
        }
    }

    fn reader(&self) -> Result<Box<dyn CommandReader>, ClusterError> {
        let link = RedisLink::blocking_twin(&self.url, self.link.keys.clone(), MAX_BLOCK)?;
        Ok(Box::new(RedisCommandReader {
            link,
            cursors: StreamCursors::new(Keys::room_commands_of),
        }))
    }
}

#[derive(Debug)]
struct RedisCommandReader {
    link: RedisLink,
    cursors: StreamCursors,
}

#[async_trait]
impl CommandReader for RedisCommandReader {
    fn follow(&mut self, room: &str) {
        self.cursors.follow(&self.link, room);
    }

    fn unfollow(&mut self, room: &str) {
        self.cursors.unfollow(room);
    }

    async fn next(&mut self, wait: Duration) -> Result<Vec<ForwardedCommand>, ClusterError> {
        let read = self.cursors.read(&self.link, wait.min(MAX_BLOCK)).await?;
        let mut out = Vec::with_capacity(read.len());
        for (room, entry) in read {
            let request = field_string(&entry, "request");
            let (Some(request_id), Some(payload)) = (request, field_bytes(&entry, "data")) else {
                tracing::warn!(%room, id = %entry.id, "skipping a malformed command entry");
                continue;
            };
            out.push(ForwardedCommand {
                room,
                id: entry.id,
                request_id,
                payload,
            });
        }
        Ok(out)
    }
}
