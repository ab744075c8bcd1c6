//! Chat history and danmaku.

use std::collections::VecDeque;

use crate::id::UserId;

/// A chat message. Its id is the room sequence number of the event that
/// carried it, so history pages by sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// The room sequence number of the message.
    pub seq: u64,
    /// Who sent it.
    pub user: UserId,
    /// Their display name when they sent it.
    pub name: String,
    /// The text (trimmed, checked).
    pub text: String,
    /// When the room received it.
    pub at_ms: i64,
}

/// Where a danmaku flies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DanmakuMode {
    /// Across the video, right to left.
    Scroll,
    /// Fixed at the top.
    Top,
    /// Fixed at the bottom.
    Bottom,
}

/// A comment flown over the video. Broadcast and kept only in the event
/// backlog, never in history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Danmaku {
    /// Who sent it.
    pub user: UserId,
    /// The text (one line, trimmed, checked).
    pub text: String,
    /// Colour as `0xRRGGBB`.
    pub color: u32,
    /// Where it flies.
    pub mode: DanmakuMode,
    /// The media position it belongs to.
    pub media_position_ms: u64,
}

/// The last messages of a room, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct ChatLog {
    messages: VecDeque<ChatMessage>,
    capacity: usize,
}

impl ChatLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            messages: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn restore(messages: Vec<ChatMessage>, capacity: usize) -> Self {
        let mut log = Self::new(capacity);
        for message in messages {
            log.push(message);
        }
        log
    }

    /// Appends a message, forgetting the oldest beyond capacity.
    pub(crate) fn push(&mut self, message: ChatMessage) {
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
    }

    /// Up to `limit` messages sent before `before` (all when `None`), the
    /// newest of them, oldest first.
    pub(crate) fn page(&self, before: Option<u64>, limit: usize) -> Vec<ChatMessage> {
        let end = match before {
            Some(before) => self.messages.partition_point(|m| m.seq < before),
            None => self.messages.len(),
        };
        let start = end.saturating_sub(limit);
        self.messages.range(start..end).cloned().collect()
    }

    /// The seq of the oldest message kept.
    pub(crate) fn oldest_seq(&self) -> Option<u64> {
        self.messages.front().map(|m| m.seq)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &ChatMessage> {
        self.messages.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: u64) -> ChatMessage {
        ChatMessage {
            seq,
            user: UserId(1),
            name: "a".into(),
            text: format!("m{seq}"),
            at_ms: 0,
        }
    }

    fn seqs(page: &[ChatMessage]) -> Vec<u64> {
        page.iter().map(|m| m.seq).collect()
    }

    #[test]
    fn the_log_keeps_the_newest_up_to_capacity() {
        let log = ChatLog::restore((1..=10).map(message).collect(), 4);
        assert_eq!(seqs(&log.page(None, 100)), [7, 8, 9, 10]);
        assert_eq!(log.oldest_seq(), Some(7));
        assert_eq!(ChatLog::new(4).oldest_seq(), None);
    }

    #[test]
    fn pages_walk_back_by_sequence() {
        let log = ChatLog::restore((1..=10).map(|s| message(s * 2)).collect(), 100);
        assert_eq!(seqs(&log.page(None, 3)), [16, 18, 20]);
        assert_eq!(seqs(&log.page(Some(16), 3)), [10, 12, 14]);
        assert_eq!(seqs(&log.page(Some(15), 3)), [10, 12, 14]);
        assert_eq!(seqs(&log.page(Some(4), 3)), [2]);
        assert!(log.page(Some(2), 3).is_empty());
    }
}
