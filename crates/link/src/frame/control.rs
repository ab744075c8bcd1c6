//! Control stream frames after the handshake: heartbeats, stream
//! announcements and errors.

use super::buf::{Reader, Writer};
use super::FrameError;

/// Longest stream name, in bytes.
pub const STREAM_NAME_MAX: usize = 256;
/// Longest human-readable reason, in bytes.
pub const REASON_MAX: usize = 1024;

/// Sent by both sides every heartbeat interval; the sequence number only
/// helps reading traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    pub seq: u64,
}

impl Heartbeat {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self { seq: r.u64()? })
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.u64(self.seq);
    }
}

/// Client → server: a stream is live on the client (auto_push).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    pub stream: String,
}

impl Announce {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            stream: r.text("stream", STREAM_NAME_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("stream", &self.stream, STREAM_NAME_MAX)
    }
}

/// Client → server: a stream announced earlier has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdraw {
    pub stream: String,
}

impl Withdraw {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            stream: r.text("stream", STREAM_NAME_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("stream", &self.stream, STREAM_NAME_MAX)
    }
}

/// Server → client: an announcement was refused (for example the name is
/// already live on the server); the connection stays up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamRefused {
    pub stream: String,
    pub reason: String,
}

impl StreamRefused {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            stream: r.text("stream", STREAM_NAME_MAX)?,
            reason: r.text("reason", REASON_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("stream", &self.stream, STREAM_NAME_MAX)?;
        w.text("reason", &self.reason, REASON_MAX)
    }
}

/// Why a side gives up on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    UnsupportedVersion,
    UnknownName,
    WrongSecret,
    AddressNotAllowed,
    TooManyFailures,
    BadServerSignature,
    Protocol,
    Timeout,
    Internal,
}

impl ErrorCode {
    pub(crate) const ALL: [ErrorCode; 9] = [
        ErrorCode::UnsupportedVersion,
        ErrorCode::UnknownName,
        ErrorCode::WrongSecret,
        ErrorCode::AddressNotAllowed,
        ErrorCode::TooManyFailures,
        ErrorCode::BadServerSignature,
        ErrorCode::Protocol,
        ErrorCode::Timeout,
        ErrorCode::Internal,
    ];

    fn to_u16(self) -> u16 {
        match self {
            ErrorCode::UnsupportedVersion => 1,
            ErrorCode::UnknownName => 2,
            ErrorCode::WrongSecret => 3,
            ErrorCode::AddressNotAllowed => 4,
            ErrorCode::TooManyFailures => 5,
            ErrorCode::BadServerSignature => 6,
            ErrorCode::Protocol => 7,
            ErrorCode::Timeout => 8,
            ErrorCode::Internal => 9,
        }
    }

    fn from_u16(code: u16) -> Result<Self, FrameError> {
        Self::ALL
            .into_iter()
            .find(|c| c.to_u16() == code)
            .ok_or(FrameError::UnknownErrorCode(code))
    }
}

/// A refusal or failure with its reason; the sender closes afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub reason: String,
}

impl ErrorFrame {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            code: ErrorCode::from_u16(r.u16()?)?,
            reason: r.text("reason", REASON_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.u16(self.code.to_u16());
        w.text("reason", &self.reason, REASON_MAX)
    }
}
