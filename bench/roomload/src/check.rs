//! What a member checks: every event seq once and in order, every chat
//! message of its room once and in order, and how long each took.
//!
//! A bench chat message's text is `rl <k> <sent_us>`: `k` counts the
//! room's messages in the order they were sent, `sent_us` is the sender's
//! clock (microseconds since this process started) just before the write.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// Microseconds since the first call, on a clock every member shares.
pub fn now_us() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_micros() as u64
}

pub fn chat_text(k: usize, sent_us: u64) -> String {
    format!("rl {k} {sent_us}")
}

/// `(k, sent_us)` of a bench chat text.
pub fn parse_chat(text: &str) -> Option<(usize, u64)> {
    let mut parts = text.strip_prefix("rl ")?.split(' ');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// A message's fate, as its sender saw it.
pub const UNSENT: u8 = 0;
pub const SENT: u8 = 1;
pub const ACKED: u8 = 2;
pub const REFUSED: u8 = 3;

/// One room's messages, shared by its members.
#[derive(Debug)]
pub struct RoomLog {
    state: Vec<AtomicU8>,
    /// The seq of message k: from the sender's ack, or the first member
    /// that received it (0 = not known yet).
    seq: Vec<AtomicU64>,
}

impl RoomLog {
    pub fn new(messages: usize) -> RoomLog {
        RoomLog {
            state: (0..messages).map(|_| AtomicU8::new(UNSENT)).collect(),
            seq: (0..messages).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.state.len()
    }

    pub fn set_state(&self, k: usize, state: u8) {
        if let Some(s) = self.state.get(k) {
            s.store(state, Ordering::Relaxed);
        }
    }

    pub fn state(&self, k: usize) -> u8 {
        self.state.get(k).map_or(UNSENT, |s| s.load(Ordering::Relaxed))
    }

    /// Records that message k has `seq`; false if someone saw another seq.
    pub fn agree_seq(&self, k: usize, seq: u64) -> bool {
        let Some(slot) = self.seq.get(k) else { return false };
        match slot.compare_exchange(0, seq, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => true,
            Err(known) => known == seq,
        }
    }
}

/// What one member saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// The highest seq of a welcome or event applied.
    pub last_seq: u64,
    /// Events skipped: `seq` jumped past `last_seq + 1`.
    pub seq_gaps: u64,
    /// Events at or below `last_seq` (a repeat or out of order).
    pub seq_backwards: u64,
    /// Bench chats: received (bit per k), more than once, out of order.
    received: Vec<u64>,
    pub chats: u64,
    pub duplicated: u64,
    /// A chat whose seq is not above the previous bench chat's.
    pub reordered: u64,
    /// A chat whose k is below one received before (send order ≠ room order).
    pub counter_inversions: u64,
    /// Members disagree on a message's seq.
    pub seq_mismatches: u64,
    last_chat_seq: u64,
    max_k: Option<usize>,
    /// (k, delivery latency in µs) of every bench chat received.
    pub latencies_us: Vec<(u32, u32)>,
}

impl Tally {
    pub fn new(messages: usize) -> Tally {
        Tally {
            received: vec![0; messages.div_ceil(64)],
            ..Tally::default()
        }
    }

    pub fn welcome(&mut self, seq: u64) {
        self.last_seq = seq;
    }

    /// Any room event.
    pub fn event(&mut self, seq: u64) {
        if seq <= self.last_seq {
            self.seq_backwards += 1;
            return;
        }
        self.seq_gaps += seq - self.last_seq - 1;
        self.last_seq = seq;
    }

    /// A bench chat event (after [`Tally::event`]).
    pub fn chat(&mut self, log: &RoomLog, seq: u64, k: usize, sent_us: u64, now_us: u64) {
        self.chats += 1;
        let latency = now_us.saturating_sub(sent_us).min(u32::MAX as u64) as u32;
        self.latencies_us.push((k.min(u32::MAX as usize) as u32, latency));
        if !log.agree_seq(k, seq) {
            self.seq_mismatches += 1;
        }
        if seq <= self.last_chat_seq {
            self.reordered += 1;
        }
        self.last_chat_seq = self.last_chat_seq.max(seq);
        if self.max_k.is_some_and(|max| k < max) {
            self.counter_inversions += 1;
        }
        self.max_k = Some(self.max_k.map_or(k, |max| max.max(k)));
        let Some(word) = self.received.get_mut(k / 64) else { return };
        let bit = 1u64 << (k % 64);
        if *word & bit != 0 {
            self.duplicated += 1;
        }
        *word |= bit;
    }

    /// Messages the room acknowledged that this member never got.
    pub fn lost(&self, log: &RoomLog) -> u64 {
        (0..log.len())
            .filter(|&k| log.state(k) == ACKED && !self.has(k))
            .count() as u64
    }

    fn has(&self, k: usize) -> bool {
        self.received.get(k / 64).is_some_and(|w| w & (1 << (k % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_counts_gaps_repeats_and_losses() {
        let log = RoomLog::new(4);
        (0..4).for_each(|k| log.set_state(k, ACKED));
        let mut t = Tally::new(4);
        t.welcome(10);
        t.event(11);
        t.chat(&log, 11, 0, 0, 5);
        t.event(13);
        t.chat(&log, 13, 2, 0, 5);
        t.event(13);
        t.chat(&log, 13, 2, 0, 5);
        t.event(12);
        t.chat(&log, 12, 1, 0, 5);
        assert_eq!((t.seq_gaps, t.seq_backwards), (1, 2));
        assert_eq!((t.duplicated, t.reordered, t.counter_inversions), (1, 2, 1));
        assert_eq!(t.lost(&log), 1);
        assert_eq!(parse_chat(&chat_text(7, 99)), Some((7, 99)));
    }
}
