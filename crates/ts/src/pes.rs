//! PES packet headers and 90 kHz timestamps.

/// Stream id of the (first) video stream.
pub(crate) const STREAM_ID_VIDEO: u8 = 0xe0;
/// Stream id of the (first) audio stream.
pub(crate) const STREAM_ID_AUDIO: u8 = 0xc0;

const MASK_33: u64 = (1 << 33) - 1;

/// Milliseconds on the continuous timeline to a 33-bit 90 kHz clock value.
///
/// Any `i64` is accepted: the product is taken modulo 2^64, which keeps it
/// right modulo 2^33, so negative and very large times wrap like the clock.
pub fn ms_to_90khz(ms: i64) -> u64 {
    (ms.wrapping_mul(90) as u64) & MASK_33
}

/// Appends a PES header for `es_len` bytes of elementary stream data.
///
/// `pts` and `dts` are 90 kHz values; DTS is written only when it differs.
/// The packet length is 0 (unbounded, allowed for video) when
/// `bounded` is false or the packet is too long for 16 bits.
pub(crate) fn write_header(
    stream_id: u8,
    pts: u64,
    dts: u64,
    es_len: usize,
    bounded: bool,
    out: &mut Vec<u8>,
) {
    let with_dts = pts != dts;
    let header_data_len: u8 = if with_dts { 10 } else { 5 };
    let packet_len = 3 + usize::from(header_data_len) + es_len;
    let length_field = match u16::try_from(packet_len) {
        Ok(len) if bounded => len,
        _ => 0,
    };
    out.extend_from_slice(&[0, 0, 1, stream_id]);
    out.extend_from_slice(&length_field.to_be_bytes());
    out.push(0x84); // marker bits, data_alignment_indicator
    out.push(if with_dts { 0xc0 } else { 0x80 });
    out.push(header_data_len);
    if with_dts {
        write_timestamp(0x3, pts, out);
        write_timestamp(0x1, dts, out);
    } else {
        write_timestamp(0x2, pts, out);
    }
}

/// The 5-byte PTS/DTS field: 4-bit prefix, 33 bits split by marker bits.
fn write_timestamp(prefix: u8, ts: u64, out: &mut Vec<u8>) {
    out.push((prefix << 4) | ((((ts >> 30) & 0x07) as u8) << 1) | 1);
    out.push((ts >> 22) as u8);
    out.push(((((ts >> 15) & 0x7f) as u8) << 1) | 1);
    out.push((ts >> 7) as u8);
    out.push((((ts & 0x7f) as u8) << 1) | 1);
}

/// Reads a 5-byte PTS/DTS field back (for tests).
#[cfg(test)]
pub(crate) fn read_timestamp(b: &[u8]) -> u64 {
    (u64::from(b[0] >> 1) & 0x07) << 30
        | u64::from(b[1]) << 22
        | u64::from(b[2] >> 1) << 15
        | u64::from(b[3]) << 7
        | u64::from(b[4] >> 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_scale_and_wrap_at_33_bits() {
        assert_eq!(ms_to_90khz(1000), 90_000);
        assert_eq!(ms_to_90khz(-1), MASK_33 + 1 - 90);
        let above_32_bits = (1i64 << 32) + 40;
        assert_eq!(
            ms_to_90khz(above_32_bits),
            ((above_32_bits * 90) as u64) & MASK_33
        );
        assert_eq!(ms_to_90khz(i64::MIN), 0);
    }

    #[test]
    fn header_with_pts_only_for_audio() {
        let mut out = Vec::new();
        write_header(STREAM_ID_AUDIO, 90_000, 90_000, 100, true, &mut out);
        assert_eq!(out.len(), 14);
        assert_eq!(&out[..9], &[0, 0, 1, 0xc0, 0, 108, 0x84, 0x80, 5]);
        assert_eq!(out[9] >> 4, 0x2);
        assert_eq!(read_timestamp(&out[9..14]), 90_000);
    }

    #[test]
    fn header_with_pts_and_dts_for_video() {
        let mut out = Vec::new();
        let pts = MASK_33;
        write_header(STREAM_ID_VIDEO, pts, 3600, 70_000, false, &mut out);
        assert_eq!(&out[4..9], &[0, 0, 0x84, 0xc0, 10]);
        assert_eq!(read_timestamp(&out[9..14]), pts);
        assert_eq!(read_timestamp(&out[14..19]), 3600);
        assert_eq!(out[14] >> 4, 0x1);
    }

    #[test]
    fn too_long_for_16_bits_is_unbounded() {
        let mut out = Vec::new();
        write_header(STREAM_ID_AUDIO, 0, 0, 70_000, true, &mut out);
        assert_eq!(&out[4..6], &[0, 0]);
    }
}
