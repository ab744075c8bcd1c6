//! Basic header (fmt + csid) reading and writing.

use bytes::BufMut;

use super::MAX_CSID;

/// A parsed basic header: chunk format, csid and how many bytes it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicHeader {
    pub(crate) fmt: u8,
    pub(crate) csid: u32,
    pub(crate) len: usize,
}

/// Reads a basic header from the front of `buf`; `None` if incomplete.
pub(crate) fn read_basic(buf: &[u8]) -> Option<BasicHeader> {
    let first = *buf.first()?;
    let fmt = first >> 6;
    match first & 0x3f {
        0 => {
            let b1 = *buf.get(1)?;
            Some(BasicHeader {
                fmt,
                csid: 64 + u32::from(b1),
                len: 2,
            })
        }
        1 => {
            let (b1, b2) = (*buf.get(1)?, *buf.get(2)?);
            Some(BasicHeader {
                fmt,
                csid: 64 + u32::from(b1) + 256 * u32::from(b2),
                len: 3,
            })
        }
        low => Some(BasicHeader {
            fmt,
            csid: u32::from(low),
            len: 1,
        }),
    }
}

/// Writes a basic header. `csid` must be within 2..=65599 (checked by callers).
pub(crate) fn write_basic(out: &mut impl BufMut, fmt: u8, csid: u32) {
    let fmt_bits = fmt << 6;
    match csid {
        2..=63 => out.put_u8(fmt_bits | csid as u8),
        64..=319 => {
            out.put_u8(fmt_bits);
            out.put_u8((csid - 64) as u8);
        }
        _ => {
            let rest = csid.min(MAX_CSID) - 64;
            out.put_u8(fmt_bits | 1);
            out.put_u8((rest & 0xff) as u8);
            out.put_u8((rest >> 8) as u8);
        }
    }
}

/// Reads a big-endian 24-bit number.
pub(crate) fn read_u24(b: &[u8]) -> u32 {
    (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2])
}

/// Reads a big-endian 32-bit number.
pub(crate) fn read_u32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_round_trips() {
        for (csid, len) in [(2, 1), (63, 1), (64, 2), (319, 2), (320, 3), (65599, 3)] {
            let mut out = Vec::new();
            write_basic(&mut out, 3, csid);
            assert_eq!(out.len(), len, "csid {csid}");
            let parsed = read_basic(&out).unwrap();
            assert_eq!(parsed, BasicHeader { fmt: 3, csid, len });
        }
    }

    #[test]
    fn a_truncated_basic_header_is_incomplete() {
        assert_eq!(read_basic(&[]), None);
        assert_eq!(read_basic(&[0x00]), None);
        assert_eq!(read_basic(&[0x01, 5]), None);
    }
}
