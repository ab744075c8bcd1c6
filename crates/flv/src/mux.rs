//! FLV tag serialisation.

use bytes::{BufMut, Bytes, BytesMut};
use media::Track;

use crate::header::PREVIOUS_TAG_SIZE_LEN;
use crate::FlvError;

/// Bytes of a tag header.
pub const TAG_HEADER_LEN: usize = 11;
/// The largest body the 24-bit size field can describe.
pub const MAX_TAG_BODY: usize = 0x00ff_ffff;

/// One whole tag — header, body and its PreviousTagSize — serialised once so
/// every viewer can share it.
///
/// The timestamp is written modulo 2^32 (low 24 bits, then the extension
/// byte), so a continuous timeline past 4 h 40 min wraps as FLV expects and
/// a negative one wraps too. A body longer than [`MAX_TAG_BODY`] cannot be
/// described by FLV: it yields empty bytes (the tag is left out) rather than
/// a corrupt stream; use [`try_encode_tag`] to see the error.
pub fn encode_tag(track: Track, timestamp_ms: i64, body: &[u8]) -> Bytes {
    try_encode_tag(track, timestamp_ms, body).unwrap_or_default()
}

/// [`encode_tag`], reporting a body too long for FLV.
pub fn try_encode_tag(track: Track, timestamp_ms: i64, body: &[u8]) -> Result<Bytes, FlvError> {
    let mut out = BytesMut::new();
    write_tag(track, timestamp_ms, body, &mut out)?;
    Ok(out.freeze())
}

/// Appends one tag and its PreviousTagSize to `out`; nothing is written on error.
pub fn write_tag(
    track: Track,
    timestamp_ms: i64,
    body: &[u8],
    out: &mut BytesMut,
) -> Result<(), FlvError> {
    if body.len() > MAX_TAG_BODY {
        return Err(FlvError::TagTooLarge {
            size: body.len(),
            limit: MAX_TAG_BODY,
        });
    }
    // Both lengths fit in 32 bits: the body is at most 24 bits long.
    let size = body.len() as u32;
    let timestamp = timestamp_ms as u32;
    out.reserve(TAG_HEADER_LEN + body.len() + PREVIOUS_TAG_SIZE_LEN);
    out.put_u8(track.type_id());
    out.put_slice(&size.to_be_bytes()[1..]);
    out.put_slice(&timestamp.to_be_bytes()[1..]);
    out.put_u8((timestamp >> 24) as u8);
    out.put_slice(&[0, 0, 0]);
    out.put_slice(body);
    out.put_u32(size + TAG_HEADER_LEN as u32);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_layout_with_previous_tag_size() {
        let tag = encode_tag(Track::Video, 0x0102_0304, &[0xaa, 0xbb]);
        assert_eq!(
            &tag[..],
            &[9, 0, 0, 2, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 0xaa, 0xbb, 0, 0, 0, 13]
        );
    }

    #[test]
    fn timestamps_wrap_at_32_bits() {
        let past_wrap = encode_tag(Track::Audio, (1 << 32) + 5, &[]);
        assert_eq!(&past_wrap[4..8], &[0, 0, 5, 0]);
        let negative = encode_tag(Track::Audio, -1, &[]);
        assert_eq!(&negative[4..8], &[0xff, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn a_body_too_long_for_flv_is_left_out() {
        let body = vec![0; MAX_TAG_BODY + 1];
        assert!(encode_tag(Track::Video, 0, &body).is_empty());
        assert_eq!(
            try_encode_tag(Track::Video, 0, &body),
            Err(FlvError::TagTooLarge {
                size: MAX_TAG_BODY + 1,
                limit: MAX_TAG_BODY
            })
        );
    }
}
