//! Command forwarding: a replica that is not a room's writer queues its
//! members' commands in the room's command log; the writer reads them, applies
//! each, then acks (deletes) it under its lease. A request id marks each
//! command for a while, so a retried forward is queued once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::watch;

use crate::clock::unix_ms;
use crate::error::ClusterError;
use crate::lease::Lease;
use crate::leases::{fenced, MemoryLeases};
use crate::memlog::MemoryLog;

/// How long a request id is remembered (a retry within it is dropped).
pub const REQUEST_ID_TTL: Duration = Duration::from_secs(600);

/// A command waiting for the room's writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardedCommand {
    /// The room.
    pub room: String,
    /// Its id in the room's command log (what [`CommandQueue::ack`] takes).
    pub id: String,
    /// The client's request id.
    pub request_id: String,
    /// The encoded command.
    pub payload: Bytes,
}

/// What a forward did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forwarded {
    /// Queued now.
    Queued,
    /// A command with this request id was queued before: nothing added.
    AlreadyQueued,
}

/// Where commands for a room's writer go.
#[async_trait]
pub trait CommandQueue: Send + Sync + std::fmt::Debug {
    /// Queues a command for `room`'s writer, once per `request_id`. Waits out
    /// a link blip (retrying) before failing.
    async fn forward(
        &self,
        room: &str,
        request_id: &str,
        payload: Bytes,
    ) -> Result<Forwarded, ClusterError>;
    /// Removes an applied command; [`ClusterError::Fenced`] unless `writer`
    /// is the room's current writer lease.
    async fn ack(&self, writer: &Lease, id: &str) -> Result<(), ClusterError>;
    /// A new reader, following no room yet.
    fn reader(&self) -> Result<Box<dyn CommandReader>, ClusterError>;
}

/// A writer's view of the command logs of the rooms it writes.
#[async_trait]
pub trait CommandReader: Send + std::fmt::Debug {
    /// Follows `room` from its oldest unacked command.
    fn follow(&mut self, room: &str);
    /// Stops following `room`.
    fn unfollow(&mut self, room: &str);
    /// Commands queued since the last call, waiting up to `wait` for some.
    async fn next(&mut self, wait: Duration) -> Result<Vec<ForwardedCommand>, ClusterError>;
}

type Entry = (String, Bytes);

/// The in-process command queue.
#[derive(Debug)]
pub struct MemoryCommands {
    log: Arc<MemoryLog<Entry>>,
    seen: Mutex<HashMap<(String, String), u64>>,
    writers: Arc<MemoryLeases>,
}

impl MemoryCommands {
    /// A queue whose acks are fenced by `writers`.
    pub fn new(writers: Arc<MemoryLeases>) -> Self {
        Self {
            log: Arc::new(MemoryLog::new(usize::MAX)),
            seen: Mutex::new(HashMap::new()),
            writers,
        }
    }

    /// Marks `request_id`; false if it was marked and has not expired.
    fn mark(&self, room: &str, request_id: &str) -> bool {
        let now = unix_ms();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, expires| *expires > now);
        let key = (room.to_owned(), request_id.to_owned());
        if seen.contains_key(&key) {
            return false;
        }
        seen.insert(key, now + REQUEST_ID_TTL.as_millis() as u64);
        true
    }
}

#[async_trait]
impl CommandQueue for MemoryCommands {
    async fn forward(
        &self,
        room: &str,
        request_id: &str,
        payload: Bytes,
    ) -> Result<Forwarded, ClusterError> {
        if !self.mark(room, request_id) {
            return Ok(Forwarded::AlreadyQueued);
        }
        self.log.append(room, (request_id.to_owned(), payload));
        Ok(Forwarded::Queued)
    }

    async fn ack(&self, writer: &Lease, id: &str) -> Result<(), ClusterError> {
        if !self.writers.holds(writer) {
            return Err(fenced(writer));
        }
        let id = id
            .parse()
            .map_err(|_| ClusterError::Malformed { what: "command id" })?;
        self.log.remove(&writer.resource, id);
        Ok(())
    }

    fn reader(&self) -> Result<Box<dyn CommandReader>, ClusterError> {
        Ok(Box::new(MemoryCommandReader {
            watcher: self.log.watcher(),
            log: self.log.clone(),
            cursors: HashMap::new(),
        }))
    }
}

#[derive(Debug)]
struct MemoryCommandReader {
    log: Arc<MemoryLog<Entry>>,
    watcher: watch::Receiver<u64>,
    cursors: HashMap<String, u64>,
}

#[async_trait]
impl CommandReader for MemoryCommandReader {
    fn follow(&mut self, room: &str) {
        self.cursors.insert(room.to_owned(), 0);
    }

    fn unfollow(&mut self, room: &str) {
        self.cursors.remove(room);
    }

    async fn next(&mut self, wait: Duration) -> Result<Vec<ForwardedCommand>, ClusterError> {
        let read = self
            .log
            .read(&mut self.watcher, &mut self.cursors, wait)
            .await;
        Ok(read
            .into_iter()
            .map(|(room, id, (request_id, payload))| ForwardedCommand {
                room,
                id: id.to_string(),
                request_id,
                payload,
            })
            .collect())
    }
}
