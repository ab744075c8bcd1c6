//! A server message as connections send it: built once, encoded at most
//! once per encoding, whichever connection asks first.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use wire::ServerMessage;

/// One server message shared by every connection that sends it.
#[derive(Debug)]
pub struct Outgoing {
    message: ServerMessage,
    json: OnceLock<Bytes>,
    protobuf: OnceLock<Bytes>,
}

/// What a connection's queue holds.
pub type Shared = Arc<Outgoing>;

impl Outgoing {
    pub fn new(message: ServerMessage) -> Shared {
        Arc::new(Outgoing {
            message,
            json: OnceLock::new(),
            protobuf: OnceLock::new(),
        })
    }

    pub fn message(&self) -> &ServerMessage {
        &self.message
    }

    /// The room seq the message carries.
    pub fn seq(&self) -> u64 {
        self.message.seq
    }

    /// The JSON text (UTF-8).
    pub fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| Bytes::from(wire::json::encode_server(&self.message)))
            .clone()
    }

    /// The protobuf binary frame.
    pub fn protobuf(&self) -> Bytes {
        self.protobuf
            .get_or_init(|| wire::protobuf::encode_server(&self.message).into())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_is_made_once_and_shared() {
        let message = ServerMessage::new(3, 7, wire::pb::RoomClosed {});
        let out = Outgoing::new(message.clone());
        let first = out.json();
        assert_eq!(
            &first[..],
            br#"{"seq":3,"server_time_ms":7,"type":"room_closed"}"#
        );
        assert_eq!(out.json().as_ptr(), first.as_ptr());
        let decoded = wire::protobuf::decode_server(&out.protobuf()).unwrap();
        assert_eq!(decoded, message);
        assert_eq!(out.seq(), 3);
    }
}
