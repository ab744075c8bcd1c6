//! A streaming FLV demuxer over a buffer the caller owns.

use bytes::{Buf, Bytes, BytesMut};
use media::{Frame, TimestampUnwrapper, Track};

use crate::header::{FlvHeader, PREVIOUS_TAG_SIZE_LEN};
use crate::mux::{MAX_TAG_BODY, TAG_HEADER_LEN};
use crate::FlvError;

/// The default limit on one tag body: large enough for a 4K keyframe.
pub const DEFAULT_MAX_TAG_SIZE: usize = 8 * 1024 * 1024;

const FILTER_BIT: u8 = 0x20;

/// One FLV tag as read from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlvTag {
    pub track: Track,
    /// The 32-bit timestamp in milliseconds (extension byte included).
    pub timestamp: u32,
    /// The tag body, shared with the input buffer's allocation.
    pub body: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Header,
    Tags,
    /// A stream error desynchronises the stream for good.
    Failed(FlvError),
}

/// Reads FLV tags from the front of a buffer that the connection fills.
///
/// Call [`Demuxer::decode_tag`] (or [`Demuxer::decode_frame`]) after every
/// read until it returns `Ok(None)`, which means more bytes are needed: a
/// partial tag is normal and is left in the buffer. Errors about the stream
/// itself (bad header, unknown tag type, a tag over the size limit) are
/// permanent and repeated on every later call; a [`FlvError::Media`] error
/// only concerns the tag it was read from, and decoding can go on.
#[derive(Debug, Clone)]
pub struct Demuxer {
    state: State,
    header: Option<FlvHeader>,
    max_tag_size: usize,
    timestamps: TimestampUnwrapper,
}

impl Demuxer {
    /// A demuxer for a whole FLV stream, header first.
    pub fn new() -> Demuxer {
        Demuxer {
            state: State::Header,
            header: None,
            max_tag_size: DEFAULT_MAX_TAG_SIZE,
            timestamps: TimestampUnwrapper::new(),
        }
    }

    /// A demuxer for a stream of tags (each followed by its
    /// PreviousTagSize) without the file header.
    pub fn without_header() -> Demuxer {
        Demuxer {
            state: State::Tags,
            ..Demuxer::new()
        }
    }

    /// Sets the largest tag body accepted (capped at the 24-bit size field).
    pub fn with_max_tag_size(mut self, max_tag_size: usize) -> Demuxer {
        self.max_tag_size = max_tag_size.min(MAX_TAG_BODY);
        self
    }

    /// The stream header, once it has been read.
    pub fn header(&self) -> Option<FlvHeader> {
        self.header
    }

    /// The next tag from the front of `buf`, consuming it; `Ok(None)` when
    /// `buf` holds no whole tag yet.
    pub fn decode_tag(&mut self, buf: &mut BytesMut) -> Result<Option<FlvTag>, FlvError> {
        match &self.state {
            State::Failed(err) => return Err(err.clone()),
            State::Header => {
                if !self.decode_header(buf)? {
                    return Ok(None);
                }
            }
            State::Tags => {}
        }
        let result = self.decode_tag_body(buf);
        if let Err(err) = &result {
            self.state = State::Failed(err.clone());
        }
        result
    }

    /// The next tag as a [`Frame`] on the continuous timeline (32-bit
    /// timestamps unwrapped); `Ok(None)` when more bytes are needed.
    pub fn decode_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FlvError> {
        let Some(tag) = self.decode_tag(buf)? else {
            return Ok(None);
        };
        let dts = self.timestamps.unwrap(tag.timestamp);
        Ok(Some(Frame::parse(tag.track, dts, tag.body)?))
    }

    fn decode_header(&mut self, buf: &mut BytesMut) -> Result<bool, FlvError> {
        match FlvHeader::parse(buf) {
            Ok(None) => Ok(false),
            Ok(Some((header, len))) => {
                buf.advance(len);
                self.header = Some(header);
                self.state = State::Tags;
                Ok(true)
            }
            Err(err) => {
                self.state = State::Failed(err.clone());
                Err(err)
            }
        }
    }

    fn decode_tag_body(&mut self, buf: &mut BytesMut) -> Result<Option<FlvTag>, FlvError> {
        let Some(header) = buf.get(..TAG_HEADER_LEN) else {
            return Ok(None);
        };
        let track = match Track::from_type_id(header[0]) {
            Some(track) => track,
            None if header[0] & FILTER_BIT != 0 => return Err(FlvError::Encrypted),
            None => return Err(FlvError::TagType(header[0])),
        };
        let size =
            usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
        if size > self.max_tag_size {
            return Err(FlvError::TagTooLarge {
                size,
                limit: self.max_tag_size,
            });
        }
        let timestamp = u32::from_be_bytes([header[7], header[4], header[5], header[6]]);
        let total = TAG_HEADER_LEN + size + PREVIOUS_TAG_SIZE_LEN;
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        buf.advance(TAG_HEADER_LEN);
        let body = buf.split_to(size).freeze();
        // PreviousTagSize is redundant; writers disagree on it, so it is not checked.
        buf.advance(PREVIOUS_TAG_SIZE_LEN);
        Ok(Some(FlvTag {
            track,
            timestamp,
            body,
        }))
    }
}

impl Default for Demuxer {
    fn default() -> Demuxer {
        Demuxer::new()
    }
}

#[cfg(test)]
mod tests {
    use media::{Codec, FrameKind};

    use super::*;
    use crate::encode_tag;

    fn stream(tags: &[(Track, i64, &[u8])]) -> BytesMut {
        let mut out = BytesMut::from(&FlvHeader::default().encode()[..]);
        for (track, ts, body) in tags {
            out.extend_from_slice(&encode_tag(*track, *ts, body));
        }
        out
    }

    #[test]
    fn tags_come_out_as_they_went_in() {
        let mut buf = stream(&[
            (Track::Data, 0, b"meta"),
            (Track::Video, 0x0123_4567, &[0x17, 0, 0, 0, 0]),
        ]);
        let mut demuxer = Demuxer::new();
        let first = demuxer.decode_tag(&mut buf).unwrap().unwrap();
        assert_eq!(first.track, Track::Data);
        assert_eq!(&first.body[..], b"meta");
        let second = demuxer.decode_tag(&mut buf).unwrap().unwrap();
        assert_eq!(second.timestamp, 0x0123_4567);
        assert_eq!(demuxer.decode_tag(&mut buf), Ok(None));
        assert!(buf.is_empty());
        assert_eq!(demuxer.header(), Some(FlvHeader::default()));
    }

    #[test]
    fn byte_by_byte_input_yields_the_same_tags() {
        let whole = stream(&[
            (Track::Audio, 1, &[0xaf, 1, 2]),
            (Track::Audio, 2, &[0xaf, 1]),
        ]);
        let mut demuxer = Demuxer::new();
        let mut buf = BytesMut::new();
        let mut tags = Vec::new();
        for byte in whole.iter() {
            buf.extend_from_slice(&[*byte]);
            while let Some(tag) = demuxer.decode_tag(&mut buf).unwrap() {
                tags.push(tag);
            }
        }
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[1].timestamp, 2);
    }

    #[test]
    fn frames_unwrap_32_bit_timestamps() {
        let mut buf = stream(&[
            (Track::Audio, 0xffff_fff0, &[0xaf, 1, 9]),
            (Track::Audio, 0x1_0000_0010, &[0xaf, 1, 9]),
        ]);
        let mut demuxer = Demuxer::new();
        let first = demuxer.decode_frame(&mut buf).unwrap().unwrap();
        let second = demuxer.decode_frame(&mut buf).unwrap().unwrap();
        assert_eq!(first.dts, 0xffff_fff0);
        assert_eq!(second.dts, 0x1_0000_0010);
        assert_eq!(second.codec, Codec::Aac);
        assert_eq!(second.kind, FrameKind::Coded);
    }

    #[test]
    fn an_oversized_tag_is_refused_before_it_is_buffered() {
        let mut buf = stream(&[(Track::Video, 0, &[0x17; 100])]);
        buf.truncate(30);
        let mut demuxer = Demuxer::new().with_max_tag_size(50);
        let err = FlvError::TagTooLarge {
            size: 100,
            limit: 50,
        };
        assert_eq!(demuxer.decode_tag(&mut buf), Err(err.clone()));
        assert_eq!(demuxer.decode_tag(&mut buf), Err(err));
    }

    #[test]
    fn unknown_and_encrypted_tag_types_are_errors() {
        let mut buf = BytesMut::from(&[7u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]);
        assert_eq!(
            Demuxer::without_header().decode_tag(&mut buf),
            Err(FlvError::TagType(7))
        );
        let mut buf = BytesMut::from(&[0x28u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]);
        assert_eq!(
            Demuxer::without_header().decode_tag(&mut buf),
            Err(FlvError::Encrypted)
        );
    }

    #[test]
    fn a_bad_body_costs_one_frame_not_the_stream() {
        let mut buf = stream(&[
            (Track::Video, 0, &[]),
            (Track::Video, 40, &[0x27, 1, 0, 0, 0]),
        ]);
        let mut demuxer = Demuxer::new();
        assert!(matches!(
            demuxer.decode_frame(&mut buf),
            Err(FlvError::Media(_))
        ));
        let frame = demuxer.decode_frame(&mut buf).unwrap().unwrap();
        assert_eq!(frame.dts, 40);
    }
}
