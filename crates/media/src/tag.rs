//! FLV/RTMP audio and video tag headers, legacy and enhanced RTMP.

use crate::{Codec, FrameKind, MediaError, Track};

/// An enhanced RTMP FourCC, as the big-endian `u32` of its four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FourCc(pub u32);

impl FourCc {
    pub const AVC: FourCc = FourCc::new(b"avc1");
    pub const HEVC: FourCc = FourCc::new(b"hvc1");
    pub const AV1: FourCc = FourCc::new(b"av01");
    pub const VP9: FourCc = FourCc::new(b"vp09");
    pub const AAC: FourCc = FourCc::new(b"mp4a");
    pub const OPUS: FourCc = FourCc::new(b"Opus");
    pub const MP3: FourCc = FourCc::new(b".mp3");

    pub const fn new(code: &[u8; 4]) -> FourCc {
        FourCc(u32::from_be_bytes(*code))
    }
}

/// What a tag header says about its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TagHeader {
    pub(crate) kind: FrameKind,
    pub(crate) codec: Codec,
    pub(crate) keyframe: bool,
    pub(crate) composition_time: i32,
    pub(crate) header_len: usize,
}

impl TagHeader {
    pub(crate) fn script() -> TagHeader {
        TagHeader {
            kind: FrameKind::Script,
            codec: Codec::None,
            keyframe: false,
            composition_time: 0,
            header_len: 0,
        }
    }
}

const FRAME_TYPE_KEY: u8 = 1;
const FRAME_TYPE_COMMAND: u8 = 5;
const VIDEO_EX_HEADER: u8 = 0x80;
const SOUND_FORMAT_EX_HEADER: u8 = 9;

pub(crate) fn parse_video(data: &[u8]) -> Result<TagHeader, MediaError> {
    let first = *data.first().ok_or(MediaError::Empty(Track::Video))?;
    if first & VIDEO_EX_HEADER != 0 {
        return parse_enhanced_video(data, first);
    }
    let frame_type = first >> 4;
    let codec = match first & 0x0f {
        7 => Codec::Avc,
        12 => Codec::Hevc,
        other => Codec::OtherVideo(u32::from(other)),
    };
    let mut header = TagHeader {
        kind: FrameKind::Other,
        codec,
        keyframe: frame_type == FRAME_TYPE_KEY,
        composition_time: 0,
        header_len: 1,
    };
    if !matches!(codec, Codec::Avc | Codec::Hevc) || frame_type == FRAME_TYPE_COMMAND {
        header.kind = if frame_type == FRAME_TYPE_COMMAND {
            FrameKind::Other
        } else {
            FrameKind::Coded
        };
        return Ok(header);
    }
    need(data, 5, Track::Video)?;
    header.header_len = 5;
    header.composition_time = si24(&data[2..5]);
    header.kind = match data[1] {
        0 => FrameKind::Config,
        1 => FrameKind::Coded,
        2 => FrameKind::EndOfSequence,
        _ => FrameKind::Other,
    };
    Ok(header)
}

fn parse_enhanced_video(data: &[u8], first: u8) -> Result<TagHeader, MediaError> {
    let frame_type = (first >> 4) & 0x07;
    let packet_type = first & 0x0f;
    let mut header = TagHeader {
        kind: FrameKind::Other,
        codec: Codec::OtherVideo(0),
        keyframe: frame_type == FRAME_TYPE_KEY,
        composition_time: 0,
        header_len: 1,
    };
    // Command frames other than metadata carry no FourCC.
    if frame_type == FRAME_TYPE_COMMAND && packet_type != 4 {
        return Ok(header);
    }
    need(data, 5, Track::Video)?;
    let fourcc = FourCc(u32::from_be_bytes([data[1], data[2], data[3], data[4]]));
    header.header_len = 5;
    header.codec = match fourcc {
        FourCc::AVC => Codec::Avc,
        FourCc::HEVC => Codec::Hevc,
        FourCc::AV1 => Codec::Av1,
        FourCc::VP9 => Codec::Vp9,
        other => Codec::OtherVideo(other.0),
    };
    header.kind = match packet_type {
        0 => FrameKind::Config,
        1 | 3 => FrameKind::Coded,
        2 => FrameKind::EndOfSequence,
        _ => FrameKind::Other,
    };
    let has_cts = packet_type == 1 && matches!(header.codec, Codec::Avc | Codec::Hevc);
    if has_cts {
        need(data, 8, Track::Video)?;
        header.composition_time = si24(&data[5..8]);
        header.header_len = 8;
    }
    Ok(header)
}

pub(crate) fn parse_audio(data: &[u8]) -> Result<TagHeader, MediaError> {
    let first = *data.first().ok_or(MediaError::Empty(Track::Audio))?;
    let format = first >> 4;
    let mut header = TagHeader {
        kind: FrameKind::Coded,
        codec: Codec::OtherAudio(format),
        keyframe: false,
        composition_time: 0,
        header_len: 1,
    };
    match format {
        10 => {
            need(data, 2, Track::Audio)?;
            header.codec = Codec::Aac;
            header.header_len = 2;
            header.kind = if data[1] == 0 {
                FrameKind::Config
            } else {
                FrameKind::Coded
            };
        }
        2 => header.codec = Codec::Mp3,
        SOUND_FORMAT_EX_HEADER => return parse_enhanced_audio(data, first, header),
        _ => {}
    }
    Ok(header)
}

fn parse_enhanced_audio(
    data: &[u8],
    first: u8,
    mut header: TagHeader,
) -> Result<TagHeader, MediaError> {
    need(data, 5, Track::Audio)?;
    let fourcc = FourCc(u32::from_be_bytes([data[1], data[2], data[3], data[4]]));
    header.header_len = 5;
    header.codec = match fourcc {
        FourCc::AAC => Codec::Aac,
        FourCc::OPUS => Codec::Opus,
        FourCc::MP3 => Codec::Mp3,
        _ => Codec::OtherAudio(SOUND_FORMAT_EX_HEADER),
    };
    header.kind = match first & 0x0f {
        0 => FrameKind::Config,
        1 => FrameKind::Coded,
        _ => FrameKind::Other,
    };
    Ok(header)
}

fn need(data: &[u8], needed: usize, track: Track) -> Result<(), MediaError> {
    if data.len() < needed {
        return Err(MediaError::Truncated {
            track,
            needed,
            have: data.len(),
        });
    }
    Ok(())
}

/// A signed 24-bit big-endian integer.
fn si24(b: &[u8]) -> i32 {
    let raw = (i32::from(b[0]) << 16) | (i32::from(b[1]) << 8) | i32::from(b[2]);
    (raw << 8) >> 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_hevc_coded_frame_reads_fourcc_and_cts() {
        let mut data = vec![0x80 | (1 << 4) | 1];
        data.extend_from_slice(b"hvc1");
        data.extend_from_slice(&[0xff, 0xff, 0xf6, 0xaa]);
        let header = parse_video(&data).unwrap();
        assert_eq!(header.codec, Codec::Hevc);
        assert_eq!(header.kind, FrameKind::Coded);
        assert!(header.keyframe);
        assert_eq!(header.composition_time, -10);
        assert_eq!(header.header_len, 8);
    }

    #[test]
    fn enhanced_av1_sequence_start_is_config() {
        let mut data = vec![0x80 | (1 << 4)];
        data.extend_from_slice(b"av01");
        let header = parse_video(&data).unwrap();
        assert_eq!(header.codec, Codec::Av1);
        assert_eq!(header.kind, FrameKind::Config);
    }

    #[test]
    fn legacy_hevc_id_12_is_hevc() {
        let header = parse_video(&[0x1c, 0, 0, 0, 0]).unwrap();
        assert_eq!(header.codec, Codec::Hevc);
        assert_eq!(header.kind, FrameKind::Config);
    }

    #[test]
    fn truncated_avc_header_is_reported() {
        assert_eq!(
            parse_video(&[0x17, 1]),
            Err(MediaError::Truncated {
                track: Track::Video,
                needed: 5,
                have: 2
            })
        );
    }

    #[test]
    fn every_short_input_parses_or_errors_without_panicking() {
        for first in 0..=255u8 {
            for len in 0..10 {
                let mut data = vec![first];
                data.resize(len.max(1), 0xff);
                let _ = parse_video(&data[..len]);
                let _ = parse_audio(&data[..len]);
            }
        }
    }
}
