//! A bounds-checked cursor over a configuration record.

use bytes::Bytes;

use crate::{Codec, MediaError};

/// Reads big-endian fields from a shared buffer; every read is checked and
/// reports a [`MediaError::ConfigTruncated`] for `codec` when the record ends.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    data: &'a Bytes,
    offset: usize,
    codec: Codec,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a Bytes, codec: Codec) -> Reader<'a> {
        Reader {
            data,
            offset: 0,
            codec,
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8, MediaError> {
        let byte = self.bytes(1)?;
        Ok(byte[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, MediaError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn skip(&mut self, len: usize) -> Result<(), MediaError> {
        self.bytes(len).map(drop)
    }

    /// The next `len` bytes, shared with the record (no copy).
    pub(crate) fn bytes(&mut self, len: usize) -> Result<Bytes, MediaError> {
        let end = self.offset.saturating_add(len);
        if end > self.data.len() {
            return Err(MediaError::ConfigTruncated {
                codec: self.codec,
                needed: end,
                have: self.data.len(),
            });
        }
        let out = self.data.slice(self.offset..end);
        self.offset = end;
        Ok(out)
    }

    /// `count` parameter sets, each preceded by a 16-bit length.
    pub(crate) fn parameter_sets(&mut self, count: usize) -> Result<Vec<Bytes>, MediaError> {
        let mut sets = Vec::with_capacity(count.min(32));
        for _ in 0..count {
            let len = self.u16()?;
            sets.push(self.bytes(usize::from(len))?);
        }
        Ok(sets)
    }
}
