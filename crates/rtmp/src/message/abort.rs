use bytes::Bytes;

use super::{read_u32, TYPE_ABORT};
use crate::error::MessageError;

/// Abort (type 2): drop the partly received message on this chunk stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort {
    pub csid: u32,
}

impl Abort {
    pub fn parse(payload: &[u8]) -> Result<Abort, MessageError> {
        Ok(Abort {
            csid: read_u32(payload, 0, TYPE_ABORT)?,
        })
    }

    pub fn encode(&self) -> Bytes {
        Bytes::copy_from_slice(&self.csid.to_be_bytes())
    }
}
