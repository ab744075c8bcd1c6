//! Presence news in a big room: who came online or went offline, told in
//! batches.
//!
//! In a small room every arrival and departure is an event of its own
//! (`MemberJoined`, `MemberLeft`). Each of those goes to every member, so a
//! room of n members filling up costs n² deliveries. From
//! [`RoomLimits::presence_batch_from`](crate::RoomLimits) members online,
//! the room notes who changed instead and tells everyone once per
//! [`RoomLimits::presence_batch_ms`](crate::RoomLimits), in one
//! `MembersChanged` event with each noted member's state at that moment.

use std::collections::BTreeSet;

use crate::id::UserId;

/// The members whose presence changed since the last batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct PresenceBatch {
    noted: BTreeSet<UserId>,
    /// When the next batch is due; `None` while nothing is noted.
    due_at_ms: Option<i64>,
}

impl PresenceBatch {
    /// Notes a change of `user`; the batch is due `interval_ms` after the
    /// first change noted.
    pub(crate) fn note(&mut self, user: UserId, now_ms: i64, interval_ms: i64) {
        self.noted.insert(user);
        self.due_at_ms
            .get_or_insert(now_ms.saturating_add(interval_ms));
    }

    /// Forgets `user`: an event of their own just told their state.
    pub(crate) fn forget(&mut self, user: UserId) {
        self.noted.remove(&user);
        if self.noted.is_empty() {
            self.due_at_ms = None;
        }
    }

    /// When the batch is due.
    pub(crate) fn due_at(&self) -> Option<i64> {
        self.due_at_ms
    }

    /// Takes up to `max` noted members, in user id order. What is left
    /// (a mass arrival) is due again `interval_ms` from `now_ms`.
    pub(crate) fn take(&mut self, max: usize, now_ms: i64, interval_ms: i64) -> Vec<UserId> {
        let taken: Vec<UserId> = self.noted.iter().copied().take(max.max(1)).collect();
        for user in &taken {
            self.noted.remove(user);
        }
        self.due_at_ms = if self.noted.is_empty() {
            None
        } else {
            Some(now_ms.saturating_add(interval_ms))
        };
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_is_due_one_interval_after_the_first_change() {
        let mut batch = PresenceBatch::default();
        assert_eq!(batch.due_at(), None);
        batch.note(UserId(2), 1_000, 250);
        batch.note(UserId(1), 1_100, 250);
        assert_eq!(batch.due_at(), Some(1_250));
        assert_eq!(batch.take(10, 1_250, 250), [UserId(1), UserId(2)]);
        assert_eq!(batch.due_at(), None);
    }

    #[test]
    fn a_mass_arrival_is_told_over_several_batches() {
        let mut batch = PresenceBatch::default();
        for user in 1..=5 {
            batch.note(UserId(user), 0, 250);
        }
        assert_eq!(batch.take(3, 250, 250).len(), 3);
        assert_eq!(batch.due_at(), Some(500));
        assert_eq!(batch.take(3, 500, 250), [UserId(4), UserId(5)]);
        assert_eq!(batch.due_at(), None);
    }

    #[test]
    fn a_member_told_on_their_own_leaves_the_batch() {
        let mut batch = PresenceBatch::default();
        batch.note(UserId(1), 0, 250);
        batch.forget(UserId(1));
        assert_eq!(batch.due_at(), None);
        assert!(batch.take(10, 250, 250).is_empty());
    }
}
