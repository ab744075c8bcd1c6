//! Frames for the hub's tests.
#![allow(clippy::unwrap_used, dead_code)]

use bytes::Bytes;
use media::{Frame, Track};

pub(crate) fn video(dts: i64, key: bool) -> Frame {
    let body = vec![if key { 0x17 } else { 0x27 }, 1, 0, 0, 0, 0xaa];
    Frame::parse(Track::Video, dts, Bytes::from(body)).unwrap()
}

pub(crate) fn video_config() -> Frame {
    Frame::parse(Track::Video, 0, Bytes::from_static(&[0x17, 0, 0, 0, 0, 1])).unwrap()
}

pub(crate) fn audio(dts: i64) -> Frame {
    Frame::parse(Track::Audio, dts, Bytes::from_static(&[0xaf, 1, 0x21])).unwrap()
}
