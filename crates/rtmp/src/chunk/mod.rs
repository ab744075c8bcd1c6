//! The chunk stream: messages cut into chunks and interleaved on chunk
//! stream ids (csids).
//!
//! [`ChunkDecoder`] reads chunks from the connection's buffer and returns
//! whole messages; [`encode_message`] cuts one message into chunks. The
//! encoder is stateless (every message starts with a full fmt 0 header), so
//! bytes it produces for one viewer are valid for every viewer that uses the
//! same chunk size and message stream id.

mod decoder;
mod encoder;
mod header;

pub use decoder::{ChunkDecoder, DecoderLimits, RawMessage};
pub use encoder::{encode_frame, encode_message, encode_message_into};

/// Protocol control messages (Set Chunk Size, Window Ack Size, acks, user control).
pub const CSID_PROTOCOL_CONTROL: u32 = 2;
/// Commands and their replies (connect, createStream, onStatus, …).
pub const CSID_COMMAND: u32 = 3;
/// Audio messages sent by sessions and by [`encode_frame`].
pub const CSID_AUDIO: u32 = 4;
/// Data messages (onMetaData, |RtmpSampleAccess) sent by sessions and by [`encode_frame`].
pub const CSID_DATA: u32 = 5;
/// Video messages sent by sessions and by [`encode_frame`].
pub const CSID_VIDEO: u32 = 6;

/// The chunk size every RTMP connection starts with in both directions.
pub const INITIAL_CHUNK_SIZE: u32 = 128;
/// The outgoing chunk size a session announces by default.
pub const DEFAULT_OUTGOING_CHUNK_SIZE: u32 = 4096;
/// The largest csid the three-byte basic header can carry.
pub const MAX_CSID: u32 = 65599;
/// A timestamp field of this value means a 32-bit extended timestamp follows.
pub(crate) const EXTENDED_TIMESTAMP: u32 = 0xff_ffff;
/// The largest message length a chunk header can express.
pub const MAX_MESSAGE_LENGTH: u32 = 0xff_ffff;

/// The header of one message as carried by the chunk stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHeader {
    /// Chunk stream id (2..=65599).
    pub csid: u32,
    /// Absolute timestamp in milliseconds, modulo 2^32.
    pub timestamp: u32,
    /// Message type id (8 audio, 9 video, 18 data, 20 command, …).
    pub type_id: u8,
    /// Message stream id (0 for the connection, else from createStream).
    pub stream_id: u32,
}
