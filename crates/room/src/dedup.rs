//! Remembered request ids, so that a retried command applies once.
//!
//! The entries are also the room's stored form of its recent requests
//! ([`AppliedRequest`]): each one remembered is handed out once through
//! [`Dedup::poll_remembered`] for the store, and a restored room is seeded
//! with the stored ones, so a retry that reaches the room's next writer
//! (after a crash) is still a replay.

use std::collections::{HashMap, VecDeque};

use crate::command::RoomCommand;
use crate::error::RoomError;
use crate::id::{RequestId, UserId};
use crate::room::Receipt;

type Key = (UserId, RequestId);

/// A command that applied under a client request id, as remembered and
/// as stored with the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRequest {
    /// Who sent it.
    pub user: UserId,
    /// The client's id for it.
    pub request_id: RequestId,
    /// A digest of the command: a retry must carry the same command.
    pub fingerprint: u64,
    /// The room seq once it applied.
    pub seq: u64,
    /// How many events it produced.
    pub events: u64,
    /// When it applied.
    pub at_ms: i64,
}

impl AppliedRequest {
    fn receipt(&self) -> Receipt {
        Receipt {
            seq: self.seq,
            events: self.events,
            replayed: true,
        }
    }
}

/// Successful commands by `(user, request id)`, bounded in count and age.
/// Failed commands are not remembered: they changed nothing, so a retry is
/// judged afresh.
#[derive(Debug, Clone)]
pub(crate) struct Dedup {
    entries: HashMap<Key, AppliedRequest>,
    order: VecDeque<(Key, i64)>,
    /// Remembered since the last [`Dedup::poll_remembered`].
    fresh: VecDeque<AppliedRequest>,
    capacity: usize,
    ttl_ms: i64,
}

impl Dedup {
    pub(crate) fn new(capacity: usize, ttl_ms: i64) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            fresh: VecDeque::new(),
            capacity,
            ttl_ms,
        }
    }

    /// The receipt of an earlier identical command, an error if the id was
    /// used for another command, or `None` for a new request.
    pub(crate) fn check(
        &self,
        user: UserId,
        id: &RequestId,
        command: &RoomCommand,
        now_ms: i64,
    ) -> Option<Result<Receipt, RoomError>> {
        let entry = self.entries.get(&(user, id.clone()))?;
        if now_ms.saturating_sub(entry.at_ms) > self.ttl_ms {
            return None;
        }
        if entry.fingerprint != fingerprint(command) {
            return Some(Err(RoomError::RequestIdReused));
        }
        Some(Ok(entry.receipt()))
    }

    pub(crate) fn remember(
        &mut self,
        user: UserId,
        id: RequestId,
        command: &RoomCommand,
        receipt: Receipt,
        now_ms: i64,
    ) {
        let applied = AppliedRequest {
            user,
            request_id: id,
            fingerprint: fingerprint(command),
            seq: receipt.seq,
            events: receipt.events,
            at_ms: now_ms,
        };
        if self.insert(applied.clone(), now_ms) {
            self.fresh.push_back(applied);
        }
    }

    /// Seeds a restored room with stored requests (any order). Those
    /// older than the newest by more than the age limit, and the oldest
    /// beyond the capacity, are dropped; [`Dedup::check`] ignores any that
    /// expired since.
    pub(crate) fn restore(&mut self, mut stored: Vec<AppliedRequest>) {
        // In the order they applied (the server clock may step back).
        stored.sort_by_key(|r| r.seq);
        let now_ms = stored.iter().map(|r| r.at_ms).max().unwrap_or(0);
        for applied in stored {
            self.insert(applied, now_ms);
        }
    }

    /// The next request remembered since the last call, for the store.
    pub(crate) fn poll_remembered(&mut self) -> Option<AppliedRequest> {
        self.fresh.pop_front()
    }

    /// Every request remembered, oldest first.
    pub(crate) fn all(&self) -> Vec<AppliedRequest> {
        self.order
            .iter()
            .filter_map(|(key, at)| self.entries.get(key).filter(|e| e.at_ms == *at))
            .cloned()
            .collect()
    }

    fn insert(&mut self, applied: AppliedRequest, now_ms: i64) -> bool {
        if self.capacity == 0 || now_ms.saturating_sub(applied.at_ms) > self.ttl_ms {
            return false;
        }
        self.expire(now_ms);
        while self.order.len() >= self.capacity {
            self.evict_oldest();
        }
        let key = (applied.user, applied.request_id.clone());
        self.order.push_back((key.clone(), applied.at_ms));
        // An expired entry under the same key may still be in `order`; it
        // then evicts the new entry early, which only shortens its life.
        self.entries.insert(key, applied);
        true
    }

    fn expire(&mut self, now_ms: i64) {
        while let Some((_, at)) = self.order.front() {
            if now_ms.saturating_sub(*at) <= self.ttl_ms {
                return;
            }
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        if let Some((key, at)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|e| e.at_ms == at) {
                self.entries.remove(&key);
            }
        }
    }
}

/// A digest of a command that is the same on every replica of one build:
/// FNV-1a (64 bits) over its debug form. A build that prints a command
/// differently makes a retry across an upgrade look like another command,
/// which is refused (`request_id_reused`), never applied twice.
pub(crate) fn fingerprint(command: &RoomCommand) -> u64 {
    let text = format!("{command:?}");
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
