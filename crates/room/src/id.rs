//! Identifiers: who acts, which item, which request.

use std::fmt;

use crate::error::{Field, RoomError};

/// A user as the accounts layer numbers them. Guests, who have no account,
/// are given ids by the caller from a range that never meets account ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub u64);

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user {}", self.0)
    }
}

/// A playlist item, numbered by the room: monotonic, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub u64);

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {}", self.0)
    }
}

/// Who issues a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A person in the room (an account holder or a guest).
    User(UserId),
    /// The server itself: the live engine, the API acting for a site admin,
    /// or room deletion. Holds every permission but is nobody's member.
    System,
}

/// A client-chosen id that makes a command idempotent: the same
/// `(user, request id)` seen twice applies once.
///
/// Clients must not reuse an id for another command (a random or
/// time-based id works; a per-connection counter that restarts does not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// The longest request id accepted, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps a request id: 1 to 64 printable ASCII characters.
    pub fn new(id: impl Into<String>) -> Result<Self, RoomError> {
        let id = id.into();
        if id.is_empty() {
            return Err(RoomError::Empty {
                field: Field::RequestId,
            });
        }
        if id.len() > Self::MAX_LEN {
            return Err(RoomError::TooLong {
                field: Field::RequestId,
                max: Self::MAX_LEN,
            });
        }
        if !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(RoomError::InvalidText {
                field: Field::RequestId,
            });
        }
        Ok(Self(id))
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_is_short_printable_ascii() {
        assert!(RequestId::new("r-1").is_ok());
        assert_eq!(RequestId::new("").unwrap_err().code(), "empty");
        assert_eq!(RequestId::new("a b").unwrap_err().code(), "invalid_text");
        assert_eq!(
            RequestId::new("x".repeat(65)).unwrap_err().code(),
            "too_long"
        );
    }
}
