//! A publisher's audio, video or script message into `Frame::parse`, as the
//! RTMP ingest hands it over. The first input byte picks the track, the
//! next four the 32-bit timestamp; the rest is the tag body.
//!
//! Properties: only an empty or short body is refused, saying the true
//! length; the payload is the body after a header of 1, 2, 5 or 8 bytes (all
//! of it for script data); the composition offset stays within 24 signed
//! bits; only video is ever a keyframe; and the config or coded payload of
//! an AVC, HEVC or AAC frame goes through its own parser without panicking.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::{
    AudioSpecificConfig, AvcConfig, Codec, Frame, FrameKind, HevcConfig, MediaError, NalUnits,
    Track,
};

fn parse_payload(frame: &Frame) {
    match (frame.kind, frame.codec) {
        (FrameKind::Config, Codec::Avc) => drop(AvcConfig::parse(&frame.payload)),
        (FrameKind::Config, Codec::Hevc) => drop(HevcConfig::parse(&frame.payload)),
        (FrameKind::Config, Codec::Aac) => drop(AudioSpecificConfig::parse(&frame.payload)),
        (FrameKind::Coded, Codec::Avc | Codec::Hevc) => {
            let units = NalUnits::new(&frame.payload, 4).expect("4 is a valid length size");
            units.for_each(drop);
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let track = [Track::Audio, Track::Video, Track::Data][usize::from(data[0] % 3)];
    let dts = i64::from(u32::from_be_bytes([data[1], data[2], data[3], data[4]]));
    let body = Bytes::copy_from_slice(&data[5..]);
    let frame = match Frame::parse(track, dts, body.clone()) {
        Ok(frame) => frame,
        Err(MediaError::Empty(t)) => {
            assert!(body.is_empty() && t == track);
            return;
        }
        Err(MediaError::Truncated {
            track: t,
            needed,
            have,
        }) => {
            assert_eq!((t, have), (track, body.len()));
            assert!(needed > have);
            return;
        }
        Err(other) => panic!("a tag header refused with {other:?}"),
    };
    assert_eq!(frame.data, body);
    let header_len = body.len() - frame.payload.len();
    assert_eq!(frame.payload, body.slice(header_len..));
    if track == Track::Data {
        assert_eq!((header_len, frame.kind), (0, FrameKind::Script));
    } else {
        assert!(
            matches!(header_len, 1 | 2 | 5 | 8),
            "header of {header_len} bytes"
        );
    }
    assert!((-(1 << 23)..1 << 23).contains(&(frame.pts - frame.dts)));
    assert!(!frame.keyframe || track == Track::Video);
    parse_payload(&frame);
});
