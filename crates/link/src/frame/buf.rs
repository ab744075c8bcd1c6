//! Field readers and writers shared by every message kind.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::FrameError;

/// Reads the fields of one frame's payload; every read checks the length.
#[derive(Debug)]
pub(crate) struct Reader {
    buf: Bytes,
}

impl Reader {
    pub(crate) fn new(buf: Bytes) -> Self {
        Self { buf }
    }

    fn need(&self, len: usize) -> Result<(), FrameError> {
        if self.buf.remaining() < len {
            return Err(FrameError::Truncated);
        }
        Ok(())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, FrameError> {
        self.need(1)?;
        Ok(self.buf.get_u8())
    }

    pub(crate) fn u16(&mut self) -> Result<u16, FrameError> {
        self.need(2)?;
        Ok(self.buf.get_u16())
    }

    pub(crate) fn u32(&mut self) -> Result<u32, FrameError> {
        self.need(4)?;
        Ok(self.buf.get_u32())
    }

    pub(crate) fn u64(&mut self) -> Result<u64, FrameError> {
        self.need(8)?;
        Ok(self.buf.get_u64())
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], FrameError> {
        self.need(N)?;
        let mut out = [0u8; N];
        self.buf.copy_to_slice(&mut out);
        Ok(out)
    }

    /// A byte string with a one-byte length, at least `min` long.
    pub(crate) fn short_bytes(
        &mut self,
        field: &'static str,
        min: usize,
    ) -> Result<Bytes, FrameError> {
        let len = usize::from(self.u8()?);
        if len < min {
            return Err(FrameError::FieldTooShort { field, len, min });
        }
        self.need(len)?;
        Ok(self.buf.split_to(len))
    }

    /// A UTF-8 string with a two-byte length, at most `max` bytes.
    pub(crate) fn text(&mut self, field: &'static str, max: usize) -> Result<String, FrameError> {
        let len = usize::from(self.u16()?);
        if len > max {
            return Err(FrameError::FieldTooLong { field, len, max });
        }
        self.need(len)?;
        let raw = self.buf.split_to(len);
        String::from_utf8(raw.to_vec()).map_err(|_| FrameError::NotUtf8 { field })
    }

    /// Everything left in the payload.
    pub(crate) fn rest(&mut self) -> Bytes {
        self.buf.split_to(self.buf.remaining())
    }

    /// A body with a four-byte length, at most `max` bytes.
    pub(crate) fn body(&mut self, field: &'static str, max: usize) -> Result<Bytes, FrameError> {
        let len = usize::try_from(self.u32()?).unwrap_or(usize::MAX);
        if len > max {
            return Err(FrameError::FieldTooLong { field, len, max });
        }
        self.need(len)?;
        Ok(self.buf.split_to(len))
    }

    /// Ends the payload: bytes left over are an error.
    pub(crate) fn finish(self) -> Result<(), FrameError> {
        match self.buf.remaining() {
            0 => Ok(()),
            extra => Err(FrameError::TrailingBytes(extra)),
        }
    }
}

/// Writes fields with the same limits the [`Reader`] enforces.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    dst: &'a mut BytesMut,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(dst: &'a mut BytesMut) -> Self {
        Self { dst }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.dst.put_u8(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.dst.put_u16(v);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.dst.put_u32(v);
    }

    pub(crate) fn u64(&mut self, v: u64) {
        self.dst.put_u64(v);
    }

    pub(crate) fn raw(&mut self, v: &[u8]) {
        self.dst.put_slice(v);
    }

    pub(crate) fn short_bytes(
        &mut self,
        field: &'static str,
        v: &[u8],
        min: usize,
    ) -> Result<(), FrameError> {
        let len = v.len();
        if len < min {
            return Err(FrameError::FieldTooShort { field, len, min });
        }
        let short = u8::try_from(len).map_err(|_| FrameError::FieldTooLong {
            field,
            len,
            max: usize::from(u8::MAX),
        })?;
        self.dst.put_u8(short);
        self.dst.put_slice(v);
        Ok(())
    }

    pub(crate) fn text(
        &mut self,
        field: &'static str,
        v: &str,
        max: usize,
    ) -> Result<(), FrameError> {
        let len = v.len();
        let len16 = u16::try_from(len).ok().filter(|_| len <= max);
        let len16 = len16.ok_or(FrameError::FieldTooLong { field, len, max })?;
        self.dst.put_u16(len16);
        self.dst.put_slice(v.as_bytes());
        Ok(())
    }

    pub(crate) fn body(
        &mut self,
        field: &'static str,
        v: &[u8],
        max: usize,
    ) -> Result<(), FrameError> {
        let len = v.len();
        let len32 = u32::try_from(len).ok().filter(|_| len <= max);
        let len32 = len32.ok_or(FrameError::FieldTooLong { field, len, max })?;
        self.dst.put_u32(len32);
        self.dst.put_slice(v);
        Ok(())
    }
}
