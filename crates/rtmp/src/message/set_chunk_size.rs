use bytes::Bytes;

use super::{read_u32, TYPE_SET_CHUNK_SIZE};
use crate::error::MessageError;

/// Set Chunk Size (type 1): the sender's chunks carry up to this many bytes
/// from now on. The top bit is reserved and cleared when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetChunkSize(pub u32);

impl SetChunkSize {
    pub fn parse(payload: &[u8]) -> Result<SetChunkSize, MessageError> {
        Ok(SetChunkSize(
            read_u32(payload, 0, TYPE_SET_CHUNK_SIZE)? & 0x7fff_ffff,
        ))
    }

    pub fn encode(&self) -> Bytes {
        Bytes::copy_from_slice(&(self.0 & 0x7fff_ffff).to_be_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserved_bit_is_ignored() {
        let parsed = SetChunkSize::parse(&[0x80, 0, 0x10, 0]).unwrap();
        assert_eq!(parsed, SetChunkSize(4096));
    }
}
