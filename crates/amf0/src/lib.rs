//! AMF0, the value encoding of RTMP commands and FLV script data.
//!
//! Layer: pure. [`decode`] reads one value from the front of a slice and
//! advances it; [`decode_all`] reads every value of a message body. Peers
//! control these bytes, so decoding is bounded: nesting deeper than
//! [`MAX_DEPTH`] or more than [`MAX_ELEMENTS`] values in one message is an
//! error, never a stack overflow or an unbounded allocation.

mod decode;
mod encode;
mod error;
mod value;

pub use decode::{decode, decode_all, MAX_DEPTH, MAX_ELEMENTS};
pub use encode::{encode, encode_all};
pub use error::Amf0Error;
pub use value::Value;
