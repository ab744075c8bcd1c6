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

mod error;
mod frame;
mod tag;
mod timestamp;

pub use error::MediaError;
pub use frame::{Codec, Frame, FrameKind, Track};
pub use tag::FourCc;
pub use timestamp::TimestampUnwrapper;
