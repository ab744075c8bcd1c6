//! Per-room sequence bookkeeping for readers: drops duplicates, reports gaps.

use std::collections::HashMap;

/// What one event's seq means for a room's reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// The next seq: deliver it.
    Next,
    /// Already delivered (a retried append, or a re-read): drop it.
    Duplicate,
    /// Seqs `from..=to` are missing before it (trimmed, or lost with Redis):
    /// report the gap, then deliver it.
    After {
        /// First missing seq.
        from: u64,
        /// Last missing seq.
        to: u64,
    },
    /// The room is not followed.
    Unfollowed,
}

/// The last seq delivered per followed room.
#[derive(Debug, Default)]
pub struct SeqTracker {
    last: HashMap<String, u64>,
}

impl SeqTracker {
    /// Follows `room`, whose events up to `last_seq` were already seen.
    pub fn follow(&mut self, room: &str, last_seq: u64) {
        self.last.insert(room.to_owned(), last_seq);
    }

    /// Stops following `room`.
    pub fn unfollow(&mut self, room: &str) {
        self.last.remove(room);
    }

    /// Whether `room` is followed.
    pub fn follows(&self, room: &str) -> bool {
        self.last.contains_key(room)
    }

    /// Classifies an event of `room` numbered `seq`, and records it as seen.
    pub fn handle_seq(&mut self, room: &str, seq: u64) -> SeqVerdict {
        let Some(last) = self.last.get_mut(room) else {
            return SeqVerdict::Unfollowed;
        };
        if seq <= *last {
            return SeqVerdict::Duplicate;
        }
        let verdict = if seq == *last + 1 {
            SeqVerdict::Next
        } else {
            SeqVerdict::After {
                from: *last + 1,
                to: seq - 1,
            }
        };
        *last = seq;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_seqs_pass_and_repeats_are_dropped() {
        let mut t = SeqTracker::default();
        t.follow("r", 0);
        assert_eq!(t.handle_seq("r", 1), SeqVerdict::Next);
        assert_eq!(t.handle_seq("r", 2), SeqVerdict::Next);
        assert_eq!(t.handle_seq("r", 2), SeqVerdict::Duplicate);
        assert_eq!(t.handle_seq("r", 1), SeqVerdict::Duplicate);
    }

    #[test]
    fn a_jump_reports_exactly_the_missing_seqs() {
        let mut t = SeqTracker::default();
        t.follow("r", 3);
        assert_eq!(t.handle_seq("r", 7), SeqVerdict::After { from: 4, to: 6 });
        assert_eq!(t.handle_seq("r", 8), SeqVerdict::Next);
    }

    #[test]
    fn unfollowed_rooms_are_ignored() {
        let mut t = SeqTracker::default();
        assert_eq!(t.handle_seq("r", 1), SeqVerdict::Unfollowed);
        t.follow("r", 0);
        t.unfollow("r");
        assert_eq!(t.handle_seq("r", 1), SeqVerdict::Unfollowed);
    }
}
