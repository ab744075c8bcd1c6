use bytes::Bytes;

use crate::{tag, MediaError};

/// Which elementary stream a frame belongs to. The discriminants are the FLV
/// tag types (and RTMP message type ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Track {
    Audio = 8,
    Video = 9,
    Data = 18,
}

impl Track {
    /// The FLV tag type / RTMP message type id of this track.
    pub fn type_id(self) -> u8 {
        self as u8
    }

    /// The track of an FLV tag type / RTMP message type id.
    pub fn from_type_id(id: u8) -> Option<Track> {
        match id {
            8 => Some(Track::Audio),
            9 => Some(Track::Video),
            18 => Some(Track::Data),
            _ => None,
        }
    }
}

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Decoder configuration (AVC/HEVC/AV1 sequence header, AAC AudioSpecificConfig).
    Config,
    /// Coded media.
    Coded,
    /// End of a video sequence.
    EndOfSequence,
    /// Script data (onMetaData and friends).
    Script,
    /// Anything else (command frames, multitrack, unknown packet types): relayed, not remuxed.
    Other,
}

/// The codec a frame is coded with, from the legacy codec id or the enhanced
/// RTMP FourCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Avc,
    Hevc,
    Av1,
    Vp9,
    Aac,
    Mp3,
    Opus,
    /// A legacy video codec id or an enhanced FourCC synctv does not remux.
    OtherVideo(u32),
    /// A legacy sound format synctv does not remux.
    OtherAudio(u8),
    /// Script data has no codec.
    None,
}

/// One audio, video or script message on the continuous timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub track: Track,
    /// Decode time in milliseconds (unwrapped, may start anywhere).
    pub dts: i64,
    /// Presentation time in milliseconds (`dts` + composition offset).
    pub pts: i64,
    /// A video frame a decoder can start from.
    pub keyframe: bool,
    pub kind: FrameKind,
    pub codec: Codec,
    /// The FLV tag body as received (also the RTMP message payload).
    pub data: Bytes,
    /// The coded bytes after the tag header (a slice of `data`).
    pub payload: Bytes,
}

impl Frame {
    /// Reads the tag header of `data` and builds the frame at decode time `dts`.
    pub fn parse(track: Track, dts: i64, data: Bytes) -> Result<Frame, MediaError> {
        let header = match track {
            Track::Video => tag::parse_video(&data)?,
            Track::Audio => tag::parse_audio(&data)?,
            Track::Data => tag::TagHeader::script(),
        };
        let payload = data.slice(header.header_len.min(data.len())..);
        Ok(Frame {
            track,
            dts,
            pts: dts + i64::from(header.composition_time),
            keyframe: header.keyframe,
            kind: header.kind,
            codec: header.codec,
            data,
            payload,
        })
    }

    /// A video sequence header or an audio decoder configuration.
    pub fn is_config(&self) -> bool {
        self.kind == FrameKind::Config
    }

    /// A video keyframe carrying coded media: where a viewer can start.
    pub fn is_video_keyframe(&self) -> bool {
        self.track == Track::Video && self.keyframe && self.kind == FrameKind::Coded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_avc_keyframe_with_composition_time() {
        let data = Bytes::from_static(&[0x17, 1, 0, 0, 40, 0, 0, 0, 5, 0x65]);
        let frame = Frame::parse(Track::Video, 1000, data).unwrap();
        assert!(frame.is_video_keyframe());
        assert_eq!(frame.codec, Codec::Avc);
        assert_eq!(frame.pts, 1040);
        assert_eq!(&frame.payload[..], &[0, 0, 0, 5, 0x65]);
    }

    #[test]
    fn aac_sequence_header_is_config() {
        let data = Bytes::from_static(&[0xaf, 0, 0x11, 0x90]);
        let frame = Frame::parse(Track::Audio, 0, data).unwrap();
        assert!(frame.is_config());
        assert_eq!(frame.codec, Codec::Aac);
        assert_eq!(&frame.payload[..], &[0x11, 0x90]);
    }

    #[test]
    fn script_frames_keep_their_whole_body() {
        let data = Bytes::from_static(&[2, 0, 1, b'x']);
        let frame = Frame::parse(Track::Data, 7, data.clone()).unwrap();
        assert_eq!(frame.kind, FrameKind::Script);
        assert_eq!(frame.payload, data);
    }

    #[test]
    fn empty_video_tag_is_an_error() {
        assert_eq!(
            Frame::parse(Track::Video, 0, Bytes::new()),
            Err(MediaError::Empty(Track::Video))
        );
    }
}
