use bytes::Bytes;

use super::{read_u32, TYPE_USER_CONTROL};
use crate::error::MessageError;

const STREAM_BEGIN: u16 = 0;
const STREAM_EOF: u16 = 1;
const STREAM_DRY: u16 = 2;
const SET_BUFFER_LENGTH: u16 = 3;
const STREAM_IS_RECORDED: u16 = 4;
const PING_REQUEST: u16 = 6;
const PING_RESPONSE: u16 = 7;

/// User Control (type 4) events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserControl {
    StreamBegin(u32),
    StreamEof(u32),
    StreamDry(u32),
    SetBufferLength {
        stream_id: u32,
        millis: u32,
    },
    StreamIsRecorded(u32),
    /// Must be answered with a [`UserControl::PingResponse`] of the same value.
    PingRequest(u32),
    PingResponse(u32),
    /// Events this crate does not interpret (e.g. SWF verification).
    Other {
        event_type: u16,
        data: Bytes,
    },
}

impl UserControl {
    pub fn parse(payload: &[u8]) -> Result<UserControl, MessageError> {
        let Some(head) = payload.get(..2) else {
            return Err(MessageError::Truncated {
                type_id: TYPE_USER_CONTROL,
                needed: 2,
                have: payload.len(),
            });
        };
        let event_type = u16::from_be_bytes([head[0], head[1]]);
        let value = || read_u32(payload, 2, TYPE_USER_CONTROL);
        let event = match event_type {
            STREAM_BEGIN => UserControl::StreamBegin(value()?),
            STREAM_EOF => UserControl::StreamEof(value()?),
            STREAM_DRY => UserControl::StreamDry(value()?),
            SET_BUFFER_LENGTH => UserControl::SetBufferLength {
                stream_id: value()?,
                millis: read_u32(payload, 6, TYPE_USER_CONTROL)?,
            },
            STREAM_IS_RECORDED => UserControl::StreamIsRecorded(value()?),
            PING_REQUEST => UserControl::PingRequest(value()?),
            PING_RESPONSE => UserControl::PingResponse(value()?),
            _ => UserControl::Other {
                event_type,
                data: Bytes::copy_from_slice(&payload[2..]),
            },
        };
        Ok(event)
    }

    pub fn encode(&self) -> Bytes {
        let (event_type, values): (u16, Vec<u32>) = match self {
            UserControl::StreamBegin(id) => (STREAM_BEGIN, vec![*id]),
            UserControl::StreamEof(id) => (STREAM_EOF, vec![*id]),
            UserControl::StreamDry(id) => (STREAM_DRY, vec![*id]),
            UserControl::SetBufferLength { stream_id, millis } => {
                (SET_BUFFER_LENGTH, vec![*stream_id, *millis])
            }
            UserControl::StreamIsRecorded(id) => (STREAM_IS_RECORDED, vec![*id]),
            UserControl::PingRequest(t) => (PING_REQUEST, vec![*t]),
            UserControl::PingResponse(t) => (PING_RESPONSE, vec![*t]),
            UserControl::Other { event_type, data } => {
                let mut out = event_type.to_be_bytes().to_vec();
                out.extend_from_slice(data);
                return out.into();
            }
        };
        let mut out = event_type.to_be_bytes().to_vec();
        for v in values {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_round_trips() {
        let events = [
            UserControl::StreamBegin(1),
            UserControl::StreamEof(1),
            UserControl::StreamDry(2),
            UserControl::SetBufferLength {
                stream_id: 1,
                millis: 3000,
            },
            UserControl::StreamIsRecorded(1),
            UserControl::PingRequest(123),
            UserControl::PingResponse(123),
            UserControl::Other {
                event_type: 26,
                data: Bytes::from_static(&[0]),
            },
        ];
        for e in events {
            assert_eq!(UserControl::parse(&e.encode()).unwrap(), e);
        }
    }

    #[test]
    fn set_buffer_length_needs_both_values() {
        assert!(UserControl::parse(&[0, 3, 0, 0, 0, 1]).is_err());
    }
}
