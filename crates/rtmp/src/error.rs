use thiserror::Error;

/// Why a handshake failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// C0/S0 asked for something other than plain RTMP (3), e.g. RTMPE (6).
    #[error("unsupported RTMP version byte {0}")]
    UnsupportedVersion(u8),
}

/// Why the chunk stream could not be decoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// A Set Chunk Size of 0, with the top bit set, or above the limit.
    #[error("chunk size {size} out of range 1..={max}")]
    ChunkSizeOutOfRange { size: u32, max: u32 },
    /// A message header announced more bytes than allowed.
    #[error("message of {length} bytes exceeds the limit of {max}")]
    MessageTooLarge { length: u32, max: u32 },
    /// Too many chunk stream ids are in use at once.
    #[error("more than {max} chunk streams")]
    TooManyChunkStreams { max: usize },
    /// A csid outside 2..=65599 was asked of the encoder.
    #[error("invalid chunk stream id {csid}")]
    InvalidChunkStreamId { csid: u32 },
    /// A compressed header (fmt 1, 2 or 3) on a chunk stream never seen with fmt 0.
    #[error("chunk fmt {fmt} on chunk stream {csid} without a previous header")]
    NoPreviousHeader { csid: u32, fmt: u8 },
}

/// Why a message payload could not be read.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum MessageError {
    /// A protocol control or user control payload is too short.
    #[error("message type {type_id} truncated: need {needed} bytes, have {have}")]
    Truncated {
        type_id: u8,
        needed: usize,
        have: usize,
    },
    /// The AMF0 body is malformed.
    #[error(transparent)]
    Amf0(#[from] amf0::Amf0Error),
    /// A command without a name or transaction id.
    #[error("malformed command: {reason}")]
    MalformedCommand { reason: &'static str },
    /// A known command lacks an argument it cannot do without.
    #[error("{command} lacks {field}")]
    MissingField {
        command: &'static str,
        field: &'static str,
    },
}

/// Why a session ended. The glue closes the connection on any of these.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SessionError {
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The handshake did not finish in time.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// The peer sent nothing for too long.
    #[error("connection idle for too long")]
    IdleTimeout,
    /// The peer asked for more message streams than allowed.
    #[error("more than {max} message streams")]
    TooManyStreams { max: usize },
    /// The session already failed or was closed.
    #[error("session closed")]
    Closed,
}

/// Why an application call on a session was refused. Not fatal.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum UsageError {
    /// No message stream with this id is waiting for that decision.
    #[error("message stream {stream_id} is not in a state for this call")]
    WrongStreamState { stream_id: u32 },
    /// The client is not publishing.
    #[error("not publishing")]
    NotPublishing,
    /// The session already failed or was closed.
    #[error("session closed")]
    Closed,
}
