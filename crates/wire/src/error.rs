//! The one error type of the wire layer.

use room::RoomError;

/// Why a message could not be decoded or mapped to the room. A peer's bad
/// input ends up here, never in a panic.
///
/// [`WireError::code`] is the machine-readable code sent back in an
/// `error` message.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The message is larger than the decoder accepts.
    #[error("message of {len} bytes is over the limit of {max}")]
    TooLarge {
        /// The message's size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The text is not a JSON message of this protocol.
    #[error("malformed JSON message: {0}")]
    Json(#[from] serde_json::Error),
    /// The bytes are not a protobuf message of this protocol.
    #[error("malformed protobuf message: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// The message names no type this side knows (a protobuf oneof case
    /// from a newer peer, or none at all).
    #[error("the message has no known type")]
    UnknownMessage,
    /// An enum field holds a value this side does not know.
    #[error("unknown value {value} for {field}")]
    UnknownEnumValue {
        /// Which field.
        field: &'static str,
        /// The value received.
        value: i32,
    },
    /// A value the room refuses before any command runs (a request id, a
    /// rate).
    #[error(transparent)]
    Room(#[from] RoomError),
}

impl WireError {
    /// The machine-readable code: `too_large`, `bad_message`,
    /// `unknown_message`, or the room's code for a refused value.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Json(_) | Self::Protobuf(_) | Self::UnknownEnumValue { .. } => "bad_message",
            Self::UnknownMessage => "unknown_message",
            Self::Room(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use room::{Field, RoomError};

    use super::*;

    #[test]
    fn codes_are_stable() {
        let too_large = WireError::TooLarge { len: 2, max: 1 };
        assert_eq!(too_large.code(), "too_large");
        assert_eq!(WireError::UnknownMessage.code(), "unknown_message");
        let bad_enum = WireError::UnknownEnumValue {
            field: "mode",
            value: 9,
        };
        assert_eq!(bad_enum.code(), "bad_message");
        let empty = RoomError::Empty {
            field: Field::RequestId,
        };
        assert_eq!(WireError::from(empty).code(), "empty");
    }
}
