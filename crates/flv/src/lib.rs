//! FLV: the file header and tags, written once and shared, read from
//! partial buffers.
//!
//! Layer: pure. No sockets, tasks or clocks.
//!
//! Muxing: [`FlvHeader::encode`] starts an HTTP-FLV response;
//! [`encode_tag`] serialises one tag (header, body, PreviousTagSize) into
//! [`bytes::Bytes`] once per frame, and every viewer writes the same bytes.
//!
//! Demuxing: the connection owns a `BytesMut`, appends what it reads, then
//! drains [`Demuxer::decode_tag`] or [`Demuxer::decode_frame`] until it
//! returns `Ok(None)` (more bytes needed). Tag bodies are split off the
//! buffer without copying; sizes are checked against a limit before any
//! byte of the body is waited for.

mod demux;
mod error;
mod header;
mod mux;

pub use demux::{Demuxer, FlvTag, DEFAULT_MAX_TAG_SIZE};
pub use error::FlvError;
pub use header::{FlvHeader, HEADER_LEN, MAX_DATA_OFFSET, PREVIOUS_TAG_SIZE_LEN};
pub use mux::{encode_tag, try_encode_tag, write_tag, MAX_TAG_BODY, TAG_HEADER_LEN};
