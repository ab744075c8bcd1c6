use bytes::Bytes;

use super::{read_u32, TYPE_ACKNOWLEDGEMENT};
use crate::error::MessageError;

/// Acknowledgement (type 3): how many bytes the sender has received so far
/// (modulo 2^32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledgement {
    pub sequence: u32,
}

impl Acknowledgement {
    pub fn parse(payload: &[u8]) -> Result<Acknowledgement, MessageError> {
        Ok(Acknowledgement {
            sequence: read_u32(payload, 0, TYPE_ACKNOWLEDGEMENT)?,
        })
    }

    pub fn encode(&self) -> Bytes {
        Bytes::copy_from_slice(&self.sequence.to_be_bytes())
    }
}
