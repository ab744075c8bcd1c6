//! Remembered request ids, so that a retried command applies once.

use std::collections::{HashMap, VecDeque};

use crate::command::RoomCommand;
use crate::error::RoomError;
use crate::id::{RequestId, UserId};
use crate::room::Receipt;

type Key = (UserId, RequestId);

#[derive(Debug, Clone)]
struct Entry {
    command: RoomCommand,
    receipt: Receipt,
    at_ms: i64,
}

/// Successful commands by `(user, request id)`, bounded in count and age.
/// Failed commands are not remembered: they changed nothing, so a retry is
/// judged afresh.
#[derive(Debug, Clone)]
pub(crate) struct Dedup {
    entries: HashMap<Key, Entry>,
    order: VecDeque<(Key, i64)>,
    capacity: usize,
    ttl_ms: i64,
}

impl Dedup {
    pub(crate) fn new(capacity: usize, ttl_ms: i64) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
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
        if entry.command != *command {
            return Some(Err(RoomError::RequestIdReused));
        }
        Some(Ok(Receipt {
            replayed: true,
            ..entry.receipt
        }))
    }

    pub(crate) fn remember(
        &mut self,
        user: UserId,
        id: RequestId,
        command: RoomCommand,
        receipt: Receipt,
        now_ms: i64,
    ) {
        if self.capacity == 0 {
            return;
        }
        self.expire(now_ms);
        while self.order.len() >= self.capacity {
            self.evict_oldest();
        }
        let key = (user, id);
        self.order.push_back((key.clone(), now_ms));
        let entry = Entry {
            command,
            receipt,
            at_ms: now_ms,
        };
        // An expired entry under the same key may still be in `order`; it
        // then evicts the new entry early, which only shortens its life.
        self.entries.insert(key, entry);
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
        if let Some((key, _)) = self.order.pop_front() {
            self.entries.remove(&key);
        }
    }
}
