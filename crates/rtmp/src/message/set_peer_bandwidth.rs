use bytes::Bytes;

use super::{read_u32, TYPE_SET_PEER_BANDWIDTH};
use crate::error::MessageError;

/// Set Peer Bandwidth (type 6): limits the receiver's output window.
/// `limit_type` is 0 (hard), 1 (soft) or 2 (dynamic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetPeerBandwidth {
    pub size: u32,
    pub limit_type: u8,
}

impl SetPeerBandwidth {
    pub fn parse(payload: &[u8]) -> Result<SetPeerBandwidth, MessageError> {
        let size = read_u32(payload, 0, TYPE_SET_PEER_BANDWIDTH)?;
        let limit_type = *payload.get(4).ok_or(MessageError::Truncated {
            type_id: TYPE_SET_PEER_BANDWIDTH,
            needed: 5,
            have: payload.len(),
        })?;
        Ok(SetPeerBandwidth { size, limit_type })
    }

    pub fn encode(&self) -> Bytes {
        let mut out = self.size.to_be_bytes().to_vec();
        out.push(self.limit_type);
        out.into()
    }
}
