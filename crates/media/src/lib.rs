//! The frame vocabulary every protocol crate speaks.
//!
//! Layer: pure. No sockets, tasks or clocks: values in, values out.
//!
//! A [`Frame`] is one audio, video or script message as it travels through
//! synctv. Its `data` is the FLV tag body exactly as the publisher sent it
//! (which is also the RTMP message payload), so FLV and RTMP outputs relay it
//! unchanged; `payload` is the coded bytes after the tag header, which is what
//! remuxers such as MPEG-TS need. [`Frame::parse`] reads legacy and enhanced
//! RTMP tag headers; [`TimestampUnwrapper`] turns wrapping 32-bit millisecond
//! timestamps into a continuous 64-bit timeline.
//!
//! The payload of a config frame is a codec configuration record:
//! [`AvcConfig`] (H.264), [`HevcConfig`] (H.265) or [`AudioSpecificConfig`]
//! (AAC). Coded H.264/H.265 frames hold length-prefixed NAL units, read with
//! [`NalUnits`] or turned into Annex B with [`length_prefixed_to_annexb`];
//! AAC frames get an ADTS header from [`AudioSpecificConfig::adts_header`].
//! Every parser is bounds-checked and reports a [`MediaError`].

pub mod aac;
pub mod avc;
mod error;
mod frame;
pub mod hevc;
pub mod nal;
mod reader;
mod tag;
mod timestamp;

pub use aac::AudioSpecificConfig;
pub use avc::AvcConfig;
pub use error::MediaError;
pub use frame::{Codec, Frame, FrameKind, Track};
pub use hevc::HevcConfig;
pub use nal::{length_prefixed_to_annexb, NalUnits};
pub use tag::FourCc;
pub use timestamp::TimestampUnwrapper;
