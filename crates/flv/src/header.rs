//! The FLV file header.

use bytes::Bytes;

use crate::FlvError;

/// Bytes of the FLV header as written (version 1, no extension).
pub const HEADER_LEN: usize = 9;
/// Bytes of the PreviousTagSize field after the header and after every tag.
pub const PREVIOUS_TAG_SIZE_LEN: usize = 4;
/// The largest header data offset the demuxer accepts (skipped bytes are
/// held in memory until the whole header is there).
pub const MAX_DATA_OFFSET: u32 = 1024;

const FLAG_AUDIO: u8 = 0x04;
const FLAG_VIDEO: u8 = 0x01;

/// The FLV header: which kinds of tags the stream announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlvHeader {
    pub audio: bool,
    pub video: bool,
}

impl FlvHeader {
    /// The 9-byte header followed by the zero PreviousTagSize0, ready to be
    /// followed by tags from [`crate::encode_tag`].
    pub fn encode(&self) -> Bytes {
        let mut flags = 0;
        if self.audio {
            flags |= FLAG_AUDIO;
        }
        if self.video {
            flags |= FLAG_VIDEO;
        }
        let mut out = Vec::with_capacity(HEADER_LEN + PREVIOUS_TAG_SIZE_LEN);
        out.extend_from_slice(b"FLV");
        out.extend_from_slice(&[1, flags, 0, 0, 0, HEADER_LEN as u8, 0, 0, 0, 0]);
        Bytes::from(out)
    }

    /// Reads a header from the front of `data`. `Ok(None)` means more bytes
    /// are needed; `Ok(Some((header, len)))` says how many bytes the header,
    /// its extension and PreviousTagSize0 take.
    pub fn parse(data: &[u8]) -> Result<Option<(FlvHeader, usize)>, FlvError> {
        let Some(fixed) = data.get(..HEADER_LEN) else {
            return check_partial(data).map(|()| None);
        };
        let signature = [fixed[0], fixed[1], fixed[2]];
        if &signature != b"FLV" {
            return Err(FlvError::Signature(signature));
        }
        if fixed[3] != 1 {
            return Err(FlvError::Version(fixed[3]));
        }
        let offset = u32::from_be_bytes([fixed[5], fixed[6], fixed[7], fixed[8]]);
        if !(HEADER_LEN as u32..=MAX_DATA_OFFSET).contains(&offset) {
            return Err(FlvError::DataOffset(offset));
        }
        let len = offset as usize + PREVIOUS_TAG_SIZE_LEN;
        if data.len() < len {
            return Ok(None);
        }
        let header = FlvHeader {
            audio: fixed[4] & FLAG_AUDIO != 0,
            video: fixed[4] & FLAG_VIDEO != 0,
        };
        Ok(Some((header, len)))
    }
}

/// Refuses a partial header as soon as its signature or version is wrong, so
/// a non-FLV peer is told at once rather than waited for.
fn check_partial(data: &[u8]) -> Result<(), FlvError> {
    let expected = b"FLV\x01";
    let n = data.len().min(expected.len());
    if data[..n] == expected[..n] {
        return Ok(());
    }
    if n == 4 && data[..3] == expected[..3] {
        return Err(FlvError::Version(data[3]));
    }
    let mut signature = [0; 3];
    for (dst, src) in signature.iter_mut().zip(data) {
        *dst = *src;
    }
    Err(FlvError::Signature(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_header_parses_back() {
        for (audio, video) in [(true, true), (true, false), (false, true)] {
            let header = FlvHeader { audio, video };
            let bytes = header.encode();
            assert_eq!(bytes.len(), 13);
            assert_eq!(FlvHeader::parse(&bytes), Ok(Some((header, 13))));
        }
    }

    #[test]
    fn audio_and_video_flags_are_bits_2_and_0() {
        let bytes = FlvHeader {
            audio: true,
            video: true,
        }
        .encode();
        assert_eq!(&bytes[..], b"FLV\x01\x05\0\0\0\x09\0\0\0\0");
    }

    #[test]
    fn every_prefix_is_incomplete() {
        let bytes = FlvHeader::default().encode();
        for len in 0..bytes.len() {
            assert_eq!(FlvHeader::parse(&bytes[..len]), Ok(None), "len {len}");
        }
    }

    #[test]
    fn a_wrong_signature_is_refused_early() {
        assert_eq!(
            FlvHeader::parse(b"GE"),
            Err(FlvError::Signature([b'G', b'E', 0]))
        );
        assert_eq!(FlvHeader::parse(b"FLV\x02"), Err(FlvError::Version(2)));
    }

    #[test]
    fn data_offsets_are_bounded() {
        let mut bytes = FlvHeader::default().encode().to_vec();
        bytes[8] = 8;
        assert_eq!(FlvHeader::parse(&bytes), Err(FlvError::DataOffset(8)));
        bytes[5] = 0xff;
        assert!(matches!(
            FlvHeader::parse(&bytes),
            Err(FlvError::DataOffset(_))
        ));
    }

    #[test]
    fn an_extended_header_is_skipped() {
        let mut bytes = FlvHeader::default().encode().to_vec();
        bytes[8] = 12;
        bytes.extend_from_slice(&[0xaa, 0xbb, 0xcc]);
        assert_eq!(FlvHeader::parse(&bytes[..15]), Ok(None));
        assert_eq!(
            FlvHeader::parse(&bytes),
            Ok(Some((FlvHeader::default(), 16)))
        );
    }
}
