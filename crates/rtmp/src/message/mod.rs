//! RTMP messages: one file per message type, one enum to dispatch.
//!
//! [`Message::parse`] turns a reassembled payload into a typed message;
//! [`Message::payload`] serialises it back. AMF0 commands keep their
//! generic shape here ([`RawCommand`]); [`crate::command`] gives them meaning.

mod abort;
mod acknowledgement;
mod data;
mod set_chunk_size;
mod set_peer_bandwidth;
mod user_control;
mod window_ack_size;

use bytes::Bytes;

pub use abort::Abort;
pub use acknowledgement::Acknowledgement;
pub use data::{DataMessage, SET_DATA_FRAME};
pub use set_chunk_size::SetChunkSize;
pub use set_peer_bandwidth::SetPeerBandwidth;
pub use user_control::UserControl;
pub use window_ack_size::WindowAckSize;

use crate::command::RawCommand;
use crate::error::MessageError;

pub const TYPE_SET_CHUNK_SIZE: u8 = 1;
pub const TYPE_ABORT: u8 = 2;
pub const TYPE_ACKNOWLEDGEMENT: u8 = 3;
pub const TYPE_USER_CONTROL: u8 = 4;
pub const TYPE_WINDOW_ACK_SIZE: u8 = 5;
pub const TYPE_SET_PEER_BANDWIDTH: u8 = 6;
pub const TYPE_AUDIO: u8 = 8;
pub const TYPE_VIDEO: u8 = 9;
/// Data message in AMF3 framing (a leading 0 byte, then AMF0 in practice).
pub const TYPE_DATA_AMF3: u8 = 15;
/// Command in AMF3 framing (a leading 0 byte, then AMF0 in practice).
pub const TYPE_COMMAND_AMF3: u8 = 17;
pub const TYPE_DATA_AMF0: u8 = 18;
pub const TYPE_COMMAND_AMF0: u8 = 20;

/// One message, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    SetChunkSize(SetChunkSize),
    Abort(Abort),
    Acknowledgement(Acknowledgement),
    UserControl(UserControl),
    WindowAckSize(WindowAckSize),
    SetPeerBandwidth(SetPeerBandwidth),
    /// An FLV audio tag body.
    Audio(Bytes),
    /// An FLV video tag body.
    Video(Bytes),
    /// A script data message (onMetaData, @setDataFrame, …).
    Data(DataMessage),
    /// An AMF0 command.
    Command(RawCommand),
    /// Aggregate, shared object and other types this crate does not handle.
    Other {
        type_id: u8,
        payload: Bytes,
    },
}

impl Message {
    /// Reads the payload of a message of type `type_id`.
    pub fn parse(type_id: u8, payload: Bytes) -> Result<Message, MessageError> {
        let message = match type_id {
            TYPE_SET_CHUNK_SIZE => Message::SetChunkSize(SetChunkSize::parse(&payload)?),
            TYPE_ABORT => Message::Abort(Abort::parse(&payload)?),
            TYPE_ACKNOWLEDGEMENT => Message::Acknowledgement(Acknowledgement::parse(&payload)?),
            TYPE_USER_CONTROL => Message::UserControl(UserControl::parse(&payload)?),
            TYPE_WINDOW_ACK_SIZE => Message::WindowAckSize(WindowAckSize::parse(&payload)?),
            TYPE_SET_PEER_BANDWIDTH => {
                Message::SetPeerBandwidth(SetPeerBandwidth::parse(&payload)?)
            }
            TYPE_AUDIO => Message::Audio(payload),
            TYPE_VIDEO => Message::Video(payload),
            TYPE_DATA_AMF0 => Message::Data(DataMessage::parse(payload)?),
            TYPE_DATA_AMF3 => Message::Data(DataMessage::parse(strip_amf3_marker(payload))?),
            TYPE_COMMAND_AMF0 => Message::Command(RawCommand::parse(&payload)?),
            TYPE_COMMAND_AMF3 => Message::Command(RawCommand::parse(&strip_amf3_marker(payload))?),
            _ => Message::Other { type_id, payload },
        };
        Ok(message)
    }

    /// The message type id.
    pub fn type_id(&self) -> u8 {
        match self {
            Message::SetChunkSize(_) => TYPE_SET_CHUNK_SIZE,
            Message::Abort(_) => TYPE_ABORT,
            Message::Acknowledgement(_) => TYPE_ACKNOWLEDGEMENT,
            Message::UserControl(_) => TYPE_USER_CONTROL,
            Message::WindowAckSize(_) => TYPE_WINDOW_ACK_SIZE,
            Message::SetPeerBandwidth(_) => TYPE_SET_PEER_BANDWIDTH,
            Message::Audio(_) => TYPE_AUDIO,
            Message::Video(_) => TYPE_VIDEO,
            Message::Data(_) => TYPE_DATA_AMF0,
            Message::Command(_) => TYPE_COMMAND_AMF0,
            Message::Other { type_id, .. } => *type_id,
        }
    }

    /// The serialised payload.
    pub fn payload(&self) -> Bytes {
        match self {
            Message::SetChunkSize(m) => m.encode(),
            Message::Abort(m) => m.encode(),
            Message::Acknowledgement(m) => m.encode(),
            Message::UserControl(m) => m.encode(),
            Message::WindowAckSize(m) => m.encode(),
            Message::SetPeerBandwidth(m) => m.encode(),
            Message::Audio(b) | Message::Video(b) => b.clone(),
            Message::Data(m) => m.body.clone(),
            Message::Command(c) => c.encode(),
            Message::Other { payload, .. } => payload.clone(),
        }
    }
}

/// AMF3-framed data and commands start with a format byte before AMF0.
fn strip_amf3_marker(payload: Bytes) -> Bytes {
    match payload.first() {
        Some(0) => payload.slice(1..),
        _ => payload,
    }
}

/// Reads a big-endian u32 at `at`, or reports the message as truncated.
pub(crate) fn read_u32(payload: &[u8], at: usize, type_id: u8) -> Result<u32, MessageError> {
    match payload.get(at..at + 4) {
        Some(b) => Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        None => Err(MessageError::Truncated {
            type_id,
            needed: at + 4,
            have: payload.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_round_trip_through_the_enum() {
        let messages = [
            Message::SetChunkSize(SetChunkSize(4096)),
            Message::Abort(Abort { csid: 4 }),
            Message::Acknowledgement(Acknowledgement { sequence: 99 }),
            Message::UserControl(UserControl::PingRequest(5)),
            Message::WindowAckSize(WindowAckSize(2_500_000)),
            Message::SetPeerBandwidth(SetPeerBandwidth {
                size: 10,
                limit_type: 2,
            }),
            Message::Audio(Bytes::from_static(b"\xaf\x01")),
        ];
        for m in messages {
            assert_eq!(Message::parse(m.type_id(), m.payload()).unwrap(), m);
        }
    }

    #[test]
    fn short_control_payloads_are_errors() {
        for type_id in 1..=6 {
            assert!(Message::parse(type_id, Bytes::from_static(&[0, 1])).is_err());
        }
    }

    #[test]
    fn amf3_framed_commands_are_read_as_amf0() {
        let raw = RawCommand::new("play", 0.0, amf0::Value::Null, vec!["x".into()]);
        let mut payload = vec![0u8];
        payload.extend_from_slice(&raw.encode());
        let parsed = Message::parse(TYPE_COMMAND_AMF3, payload.into()).unwrap();
        assert_eq!(parsed, Message::Command(raw));
    }

    #[test]
    fn unknown_types_are_kept() {
        let m = Message::parse(22, Bytes::from_static(b"agg")).unwrap();
        assert_eq!(m.type_id(), 22);
    }
}
