//! The room event bus: a room's writer appends each numbered event; every
//! replica with members in the room reads them in seq order, once each, and
//! is told of any gap so it can refill from SQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::sync::watch;

use crate::error::ClusterError;
use crate::lease::Lease;
use crate::leases::{fenced, MemoryLeases};
use crate::memlog::MemoryLog;
use crate::seq::{SeqTracker, SeqVerdict};

/// One room event as carried by the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusEvent {
    /// The room.
    pub room: String,
    /// Its per-room sequence number (from the room's writer).
    pub seq: u64,
    /// The encoded event.
    pub payload: Bytes,
}

/// What a reader hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusItem {
    /// The next event of a room.
    Event(BusEvent),
    /// Events `from..=to` of `room` will never come through the bus (trimmed,
    /// or lost when Redis lost the stream): fetch them from SQL.
    Gap {
        /// The room.
        room: String,
        /// First missing seq.
        from: u64,
        /// Last missing seq.
        to: u64,
    },
}

/// Where room writers publish events.
#[async_trait]
pub trait RoomBus: Send + Sync + std::fmt::Debug {
    /// Appends event `seq` of `writer.resource`; refused with
    /// [`ClusterError::Fenced`] unless `writer` is the room's current writer
    /// lease. Waits out a link blip (retrying) before failing.
    async fn append(&self, writer: &Lease, seq: u64, payload: Bytes) -> Result<(), ClusterError>;
    /// A new reader, following no room yet.
    fn reader(&self) -> Result<Box<dyn BusReader>, ClusterError>;
}

/// Reads the events of the rooms it follows.
#[async_trait]
pub trait BusReader: Send + std::fmt::Debug {
    /// Follows `room`; events up to `last_seq` were seen already (0: none).
    fn follow(&mut self, room: &str, last_seq: u64);
    /// Stops following `room`.
    fn unfollow(&mut self, room: &str);
    /// The next items of followed rooms, waiting up to `wait` for some (empty
    /// if none came). An error leaves the reader as it was: call again.
    async fn next(&mut self, wait: Duration) -> Result<Vec<BusItem>, ClusterError>;
}

/// Turns one read event into items: a gap first if seqs are missing.
pub(crate) fn deliver(tracker: &mut SeqTracker, event: BusEvent, out: &mut Vec<BusItem>) {
    match tracker.handle_seq(&event.room, event.seq) {
        SeqVerdict::Next => out.push(BusItem::Event(event)),
        SeqVerdict::After { from, to } => {
            out.push(BusItem::Gap {
                room: event.room.clone(),
                from,
                to,
            });
            out.push(BusItem::Event(event));
        }
        SeqVerdict::Duplicate | SeqVerdict::Unfollowed => {}
    }
}

/// The in-process bus.
#[derive(Debug)]
pub struct MemoryBus {
    log: Arc<MemoryLog<(u64, Bytes)>>,
    writers: Arc<MemoryLeases>,
}

impl MemoryBus {
    /// A bus keeping the last `cap` events per room, fenced by `writers`.
    pub fn new(writers: Arc<MemoryLeases>, cap: usize) -> Self {
        Self {
            log: Arc::new(MemoryLog::new(cap)),
            writers,
        }
    }
}

#[async_trait]
impl RoomBus for MemoryBus {
    async fn append(&self, writer: &Lease, seq: u64, payload: Bytes) -> Result<(), ClusterError> {
        if !self.writers.holds(writer) {
            return Err(fenced(writer));
        }
        self.log.append(&writer.resource, (seq, payload));
        Ok(())
    }

    fn reader(&self) -> Result<Box<dyn BusReader>, ClusterError> {
        Ok(Box::new(MemoryBusReader {
            watcher: self.log.watcher(),
            log: self.log.clone(),
            cursors: HashMap::new(),
            tracker: SeqTracker::default(),
        }))
    }
}

#[derive(Debug)]
struct MemoryBusReader {
    log: Arc<MemoryLog<(u64, Bytes)>>,
    watcher: watch::Receiver<u64>,
    cursors: HashMap<String, u64>,
    tracker: SeqTracker,
}

#[async_trait]
impl BusReader for MemoryBusReader {
    fn follow(&mut self, room: &str, last_seq: u64) {
        self.cursors.insert(room.to_owned(), 0);
        self.tracker.follow(room, last_seq);
    }

    fn unfollow(&mut self, room: &str) {
        self.cursors.remove(room);
        self.tracker.unfollow(room);
    }

    async fn next(&mut self, wait: Duration) -> Result<Vec<BusItem>, ClusterError> {
        let read = self
            .log
            .read(&mut self.watcher, &mut self.cursors, wait)
            .await;
        let mut out = Vec::with_capacity(read.len());
        for (room, _, (seq, payload)) in read {
            let event = BusEvent { room, seq, payload };
            deliver(&mut self.tracker, event, &mut out);
        }
        Ok(out)
    }
}
