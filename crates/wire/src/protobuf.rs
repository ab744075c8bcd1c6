//! The protobuf encoding, for WebSocket binary frames. (gRPC frames its
//! messages itself through the generated stubs.)

use prost::Message;

use crate::error::WireError;
use crate::pb::{ClientMessage, ServerMessage};
use crate::{MAX_CLIENT_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES};

/// A client message from a binary frame, at most
/// [`MAX_CLIENT_MESSAGE_BYTES`]. Unknown fields are skipped; a message
/// without a known case (a oneof case from a newer peer) is refused with
/// [`WireError::UnknownMessage`].
pub fn decode_client(bytes: &[u8]) -> Result<ClientMessage, WireError> {
    check_len(bytes, MAX_CLIENT_MESSAGE_BYTES)?;
    let message = ClientMessage::decode(bytes)?;
    if message.kind.is_none() {
        return Err(WireError::UnknownMessage);
    }
    Ok(message)
}

/// A client message as a binary frame.
pub fn encode_client(message: &ClientMessage) -> Vec<u8> {
    message.encode_to_vec()
}

/// A server message from a binary frame, at most
/// [`MAX_SERVER_MESSAGE_BYTES`]. A message without a known case is
/// refused with [`WireError::UnknownMessage`].
pub fn decode_server(bytes: &[u8]) -> Result<ServerMessage, WireError> {
    check_len(bytes, MAX_SERVER_MESSAGE_BYTES)?;
    let message = ServerMessage::decode(bytes)?;
    if message.kind.is_none() {
        return Err(WireError::UnknownMessage);
    }
    Ok(message)
}

/// A server message as a binary frame.
pub fn encode_server(message: &ServerMessage) -> Vec<u8> {
    message.encode_to_vec()
}

fn check_len(bytes: &[u8], max: usize) -> Result<(), WireError> {
    if bytes.len() > max {
        return Err(WireError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;
    use crate::arbitrary;
    use crate::pb;

    #[test]
    fn a_chat_round_trips_in_a_few_bytes() {
        let message = ClientMessage::new(pb::SendChat {
            text: "hi".into(),
            request_id: "r1".into(),
        });
        let bytes = encode_client(&message);
        assert!(bytes.len() < 16, "{bytes:?}");
        assert_eq!(decode_client(&bytes).unwrap(), message);
    }

    #[test]
    fn a_message_without_a_known_case_is_refused() {
        assert!(encode_client(&ClientMessage::default()).is_empty());
        assert_eq!(decode_client(&[]).unwrap_err().code(), "unknown_message");
        // Field 99 (a case from a newer peer), varint 1.
        let newer = [0x98, 0x06, 0x01];
        assert_eq!(decode_client(&newer).unwrap_err().code(), "unknown_message");
        let envelope_only = encode_server(&ServerMessage {
            seq: 1,
            server_time_ms: 2,
            kind: None,
        });
        let error = decode_server(&envelope_only).unwrap_err();
        assert_eq!(error.code(), "unknown_message");
    }

    #[test]
    fn broken_bytes_are_bad_messages() {
        let chat = encode_client(&ClientMessage::new(pb::SendChat {
            text: "hello".into(),
            request_id: String::new(),
        }));
        let truncated = &chat[..chat.len() - 1];
        assert_eq!(decode_client(truncated).unwrap_err().code(), "bad_message");
        // Chat case holding a text field of invalid UTF-8.
        let not_utf8 = [0x12, 0x03, 0x0a, 0x01, 0xff];
        assert_eq!(decode_client(&not_utf8).unwrap_err().code(), "bad_message");
        // A length far beyond the input.
        let huge_length = [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(
            decode_client(&huge_length).unwrap_err().code(),
            "bad_message"
        );
    }

    #[test]
    fn frames_over_the_limit_are_refused_before_parsing() {
        let big = vec![0u8; MAX_CLIENT_MESSAGE_BYTES + 1];
        let error = decode_client(&big).unwrap_err();
        assert!(matches!(error, WireError::TooLarge { len, max }
            if len == MAX_CLIENT_MESSAGE_BYTES + 1 && max == MAX_CLIENT_MESSAGE_BYTES));
    }

    proptest! {
        #[test]
        fn any_client_message_round_trips(message in arbitrary::client_message()) {
            let bytes = encode_client(&message);
            prop_assert_eq!(decode_client(&bytes).unwrap(), message);
        }

        #[test]
        fn any_server_message_round_trips(message in arbitrary::server_message()) {
            let bytes = encode_server(&message);
            prop_assert_eq!(decode_server(&bytes).unwrap(), message);
        }

        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in vec(any::<u8>(), 0..256)) {
            let _ = decode_client(&bytes);
            let _ = decode_server(&bytes);
        }

        #[test]
        fn both_encodings_carry_the_same_message(message in arbitrary::server_message()) {
            let via_json = crate::json::decode_server(&crate::json::encode_server(&message));
            let via_protobuf = decode_server(&encode_server(&message));
            prop_assert_eq!(via_json.unwrap(), via_protobuf.unwrap());
        }
    }
}
