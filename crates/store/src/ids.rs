//! Small values shared by the repositories: room ids, pages, stamps.

use std::fmt;

use room::RoomEvent;

use crate::error::StoreError;
use crate::secret::random_string;

/// The characters of generated room ids.
const ROOM_ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Characters in a generated room id: 36^12 ≈ 2^62, so hidden rooms cannot
/// be found by walking ids.
const ROOM_ID_LEN: usize = 12;

/// A room's id: random, unguessable, URL-safe (`/flv/{id}.flv`,
/// `/api/v1/rooms/{id}`). The store generates it when the room is created.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomId(String);

impl RoomId {
    /// The longest id accepted by [`RoomId::parse`].
    pub const MAX_LEN: usize = 64;

    /// Checks an id taken from a URL or a message: 1 to 64 ASCII letters,
    /// digits, `-` or `_`. `None` for anything else (no such room).
    pub fn parse(id: &str) -> Option<Self> {
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(id.to_owned()))
    }

    pub(crate) fn generate() -> Result<Self, StoreError> {
        Ok(Self(random_string(ROOM_ID_ALPHABET, ROOM_ID_LEN)?))
    }

    pub(crate) fn from_db(id: String) -> Self {
        Self(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A page of a list: skip `offset` rows, return at most `limit` (capped at
/// [`Page::MAX_LIMIT`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u32,
}

impl Page {
    /// The largest page served.
    pub const MAX_LIMIT: u32 = 1000;

    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }

    /// `(limit, offset)` as bound in SQL.
    pub(crate) fn bounds(self) -> (i64, i64) {
        let limit = i64::from(self.limit.min(Self::MAX_LIMIT));
        let offset = i64::try_from(self.offset).unwrap_or(i64::MAX);
        (limit, offset)
    }
}

/// The event a room-state write comes from: its seq becomes the room's
/// stored `last_seq` (never lowered), its time the room's `updated_at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp {
    /// The event's seq.
    pub seq: u64,
    /// The event's server time, ms since the Unix epoch.
    pub at_ms: i64,
}

impl From<&RoomEvent> for Stamp {
    fn from(event: &RoomEvent) -> Self {
        Self {
            seq: event.seq,
            at_ms: event.at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_room_ids_are_short_lowercase_and_parse_back() {
        let id = RoomId::generate().unwrap();
        assert_eq!(id.as_str().len(), ROOM_ID_LEN);
        assert_eq!(RoomId::parse(id.as_str()), Some(id));
        assert_ne!(RoomId::generate().unwrap(), RoomId::generate().unwrap());
    }

    #[test]
    fn room_ids_from_outside_are_checked() {
        assert!(RoomId::parse("Movie_Night-2").is_some());
        for bad in ["", "a/b", "a b", "ü", &"x".repeat(65)] {
            assert_eq!(RoomId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pages_are_capped() {
        let page = Page {
            offset: u64::MAX,
            limit: u32::MAX,
        };
        assert_eq!(page.bounds(), (1000, i64::MAX));
    }
}
