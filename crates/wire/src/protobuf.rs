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
