use bytes::Bytes;

use super::{read_u32, TYPE_WINDOW_ACK_SIZE};
use crate::error::MessageError;

/// Window Acknowledgement Size (type 5): the receiver of this message must
/// acknowledge every time it has received this many more bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowAckSize(pub u32);

impl WindowAckSize {
    pub fn parse(payload: &[u8]) -> Result<WindowAckSize, MessageError> {
        Ok(WindowAckSize(read_u32(payload, 0, TYPE_WINDOW_ACK_SIZE)?))
    }

    pub fn encode(&self) -> Bytes {
        Bytes::copy_from_slice(&self.0.to_be_bytes())
    }
}
