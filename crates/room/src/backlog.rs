//! Recent events, for clients that reconnect.

use std::collections::VecDeque;

use crate::event::RoomEvent;

/// What a reconnecting client gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Exactly the events after the client's last seq, in order (none when
    /// it is up to date).
    Events(Vec<RoomEvent>),
    /// The events after the client's last seq are no longer kept (or the
    /// seq is not one this room has reached): it needs a fresh snapshot.
    TooOld,
}

impl Resume {
    /// The events to send, or `None` when a snapshot is needed.
    pub fn events(&self) -> Option<&[RoomEvent]> {
        match self {
            Self::Events(events) => Some(events),
            Self::TooOld => None,
        }
    }
}

/// The last events of a room, contiguous by seq, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Backlog {
    events: VecDeque<RoomEvent>,
    capacity: usize,
}

impl Backlog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            events: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn push(&mut self, event: RoomEvent) {
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// The event numbered `seq`, if still kept.
    pub(crate) fn get(&self, seq: u64) -> Option<&RoomEvent> {
        let first = self.events.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.events.get(index)
    }

    /// The seq of the oldest event kept.
    pub(crate) fn first_seq(&self) -> Option<u64> {
        self.events.front().map(|e| e.seq)
    }

    /// The events after `last_seen`, given that the room is at `current`.
    pub(crate) fn resume(&self, last_seen: u64, current: u64) -> Resume {
        if last_seen == current {
            return Resume::Events(Vec::new());
        }
        if last_seen > current {
            return Resume::TooOld;
        }
        let wanted = last_seen + 1;
        match self.first_seq() {
            Some(first) if first <= wanted => {
                let skip = usize::try_from(wanted - first).unwrap_or(usize::MAX);
                Resume::Events(self.events.iter().skip(skip).cloned().collect())
            }
            _ => Resume::TooOld,
        }
    }
}
