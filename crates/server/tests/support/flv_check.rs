//! Checks on an HTTP-FLV body read by a test: it parses as FLV (header,
//! then whole tags), and ffprobe / ffmpeg decode it from a file.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use media::Track;

use super::{decode, probe, TempDir};

/// What an FLV body held so far.
#[derive(Debug, Default)]
pub struct FlvSeen {
    pub header: bool,
    pub video_tags: usize,
    pub audio_tags: usize,
    /// From the first video tag's timestamp to the last one's.
    pub video_span_ms: u32,
}

/// Parses `body` as an FLV file from its start; panics on bad FLV. A tag
/// still incomplete at the end is left unread.
pub fn parse(body: &[u8]) -> FlvSeen {
    let mut demuxer = flv::Demuxer::new();
    let mut buf = BytesMut::from(body);
    let mut seen = FlvSeen::default();
    let mut first_video = None;
    while let Some(tag) = demuxer.decode_tag(&mut buf).expect("a valid FLV body") {
        match tag.track {
            Track::Video => {
                seen.video_tags += 1;
                let first = *first_video.get_or_insert(tag.timestamp);
                seen.video_span_ms = tag.timestamp.saturating_sub(first);
            }
            Track::Audio => seen.audio_tags += 1,
            _ => {}
        }
    }
    seen.header = demuxer.header().is_some();
    seen
}

/// Writes `body` to a file and checks that ffprobe sees H.264 320x240 and
/// AAC in it and ffmpeg decodes `seconds` of it without errors.
pub fn assert_plays(body: &[u8], seconds: u32) {
    let dir = TempDir::new("flv-body");
    let file = dir.0.join("body.flv");
    std::fs::write(&file, body).unwrap();
    let path = file.to_str().unwrap();
    let probe = probe(path);
    assert_eq!(probe.streams.len(), 2, "two tracks: {probe:?}");
    let video = probe.video().unwrap();
    assert_eq!(video.codec_name, "h264");
    assert_eq!((video.width, video.height), (320, 240));
    assert_eq!(probe.audio().unwrap().codec_name, "aac");
    let decoded = decode(path, seconds);
    let want = seconds as usize * 25 * 3 / 4;
    assert!(
        decoded.video_frames >= want,
        "decoded {} video frames, want >= {want}: {}",
        decoded.video_frames,
        decoded.errors
    );
    assert!(decoded.audio_frames > 0, "no audio decoded");
    assert!(
        !decoded.errors.contains("rror"),
        "decoder errors: {}",
        decoded.errors
    );
}
