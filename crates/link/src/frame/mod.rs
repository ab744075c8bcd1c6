//! Cascade framing: `[len: u32 BE][type: u8][payload]`, where `len` counts
//! the type byte and the payload.
//!
//! [`Frame::decode`] reads from a partial buffer: `Ok(None)` means "not yet
//! complete, read more" and is normal. A length above the stream's limit is
//! refused as soon as the four length bytes arrive, before any payload is
//! buffered. Every malformed input is a typed [`FrameError`].
//!
//! Messages live one kind per file: [`auth`] (hello and the SCRAM
//! exchange), [`control`] (heartbeat, stream announcements, errors) and
//! [`request`] (per-request streams: pull and API relay).

pub mod auth;
mod buf;
pub mod control;
pub mod request;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use thiserror::Error;

pub use auth::{Challenge, Hello, Proof, Register, RegisterNeeded, Welcome};
pub use control::{Announce, ErrorCode, ErrorFrame, Heartbeat, StreamRefused, Withdraw};
pub use request::{ApiRequest, ApiResponse, End, Pull, Tag};

use buf::{Reader, Writer};

/// The protocol version a client announces in its [`Hello`].
pub const PROTOCOL_VERSION: u16 = 1;
/// The largest frame accepted on the control stream.
pub const CONTROL_MAX_FRAME: usize = 64 * 1024;
/// The largest frame accepted on a per-request stream (an FLV tag or an
/// API request/response with its body).
pub const REQUEST_MAX_FRAME: usize = 16 * 1024 * 1024;

const HEADER_LEN: usize = 4;

/// Why bytes could not be decoded as a frame (or a frame not encoded).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame length 0: a frame carries at least its type byte")]
    Empty,
    #[error("frame of {len} bytes is over the limit of {max}")]
    TooLarge { len: usize, max: usize },
    #[error("unknown frame type {0:#04x}")]
    UnknownType(u8),
    #[error("frame payload ends before its last field")]
    Truncated,
    #[error("frame payload has {0} bytes after its last field")]
    TrailingBytes(usize),
    #[error("field {field} is not UTF-8")]
    NotUtf8 { field: &'static str },
    #[error("field {field} is {len} bytes, over the limit of {max}")]
    FieldTooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("field {field} is {len} bytes, under the minimum of {min}")]
    FieldTooShort {
        field: &'static str,
        len: usize,
        min: usize,
    },
    #[error("too many headers: {count}, the limit is {max}")]
    TooManyHeaders { count: usize, max: usize },
    #[error("unknown error code {0}")]
    UnknownErrorCode(u16),
    #[error("flag byte {0} is neither 0 nor 1")]
    BadFlag(u8),
}

/// One cascade frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Hello(Hello),
    Challenge(Challenge),
    RegisterNeeded(RegisterNeeded),
    Register(Register),
    Proof(Proof),
    Welcome(Welcome),
    Heartbeat(Heartbeat),
    Announce(Announce),
    Withdraw(Withdraw),
    StreamRefused(StreamRefused),
    Error(ErrorFrame),
    Pull(Pull),
    Tag(Tag),
    End(End),
    ApiRequest(ApiRequest),
    ApiResponse(ApiResponse),
}

mod kind {
    pub(super) const HELLO: u8 = 0x01;
    pub(super) const CHALLENGE: u8 = 0x02;
    pub(super) const REGISTER_NEEDED: u8 = 0x03;
    pub(super) const REGISTER: u8 = 0x04;
    pub(super) const PROOF: u8 = 0x05;
    pub(super) const WELCOME: u8 = 0x06;
    pub(super) const HEARTBEAT: u8 = 0x10;
    pub(super) const ANNOUNCE: u8 = 0x11;
    pub(super) const WITHDRAW: u8 = 0x12;
    pub(super) const STREAM_REFUSED: u8 = 0x13;
    pub(super) const ERROR: u8 = 0x1f;
    pub(super) const PULL: u8 = 0x20;
    pub(super) const TAG: u8 = 0x21;
    pub(super) const END: u8 = 0x22;
    pub(super) const API_REQUEST: u8 = 0x23;
    pub(super) const API_RESPONSE: u8 = 0x24;
}

impl Frame {
    /// Decodes one frame from the front of `buf`, at most `max` bytes long.
    ///
    /// `Ok(None)`: incomplete, nothing consumed. `Ok(Some(_))`: the frame's
    /// bytes were removed from `buf`. `Err(_)`: the stream is unusable.
    pub fn decode(buf: &mut BytesMut, max: usize) -> Result<Option<Frame>, FrameError> {
        let Some(head) = buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let len = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
            .unwrap_or(usize::MAX);
        if len == 0 {
            return Err(FrameError::Empty);
        }
        if len > max {
            return Err(FrameError::TooLarge { len, max });
        }
        if buf.len() - HEADER_LEN < len {
            buf.reserve(HEADER_LEN + len - buf.len());
            return Ok(None);
        }
        buf.advance(HEADER_LEN);
        let mut body = buf.split_to(len).freeze();
        let kind = body.get_u8();
        Self::decode_payload(kind, body).map(Some)
    }

    fn decode_payload(kind: u8, payload: Bytes) -> Result<Frame, FrameError> {
        let mut r = Reader::new(payload);
        let frame = match kind {
            kind::HELLO => Frame::Hello(Hello::read(&mut r)?),
            kind::CHALLENGE => Frame::Challenge(Challenge::read(&mut r)?),
            kind::REGISTER_NEEDED => Frame::RegisterNeeded(RegisterNeeded::read(&mut r)?),
            kind::REGISTER => Frame::Register(Register::read(&mut r)?),
            kind::PROOF => Frame::Proof(Proof::read(&mut r)?),
            kind::WELCOME => Frame::Welcome(Welcome::read(&mut r)?),
            kind::HEARTBEAT => Frame::Heartbeat(Heartbeat::read(&mut r)?),
            kind::ANNOUNCE => Frame::Announce(Announce::read(&mut r)?),
            kind::WITHDRAW => Frame::Withdraw(Withdraw::read(&mut r)?),
            kind::STREAM_REFUSED => Frame::StreamRefused(StreamRefused::read(&mut r)?),
            kind::ERROR => Frame::Error(ErrorFrame::read(&mut r)?),
            kind::PULL => Frame::Pull(Pull::read(&mut r)?),
            kind::TAG => Frame::Tag(Tag::read(&mut r)),
            kind::END => Frame::End(End::read(&mut r)?),
            kind::API_REQUEST => Frame::ApiRequest(ApiRequest::read(&mut r)?),
            kind::API_RESPONSE => Frame::ApiResponse(ApiResponse::read(&mut r)?),
            other => return Err(FrameError::UnknownType(other)),
        };
        r.finish()?;
        Ok(frame)
    }

    /// Encodes this frame; a frame over `max` bytes or a field over its
    /// limit is refused, so whatever encodes also decodes.
    pub fn encode(&self, max: usize) -> Result<Bytes, FrameError> {
        let mut dst = BytesMut::with_capacity(64);
        dst.put_u32(0);
        dst.put_u8(self.kind());
        let mut w = Writer::new(&mut dst);
        match self {
            Frame::Hello(m) => m.write(&mut w)?,
            Frame::Challenge(m) => m.write(&mut w)?,
            Frame::RegisterNeeded(m) => m.write(&mut w)?,
            Frame::Register(m) => m.write(&mut w)?,
            Frame::Proof(m) => m.write(&mut w),
            Frame::Welcome(m) => m.write(&mut w),
            Frame::Heartbeat(m) => m.write(&mut w),
            Frame::Announce(m) => m.write(&mut w)?,
            Frame::Withdraw(m) => m.write(&mut w)?,
            Frame::StreamRefused(m) => m.write(&mut w)?,
            Frame::Error(m) => m.write(&mut w)?,
            Frame::Pull(m) => m.write(&mut w)?,
            Frame::Tag(m) => m.write(&mut w),
            Frame::End(m) => m.write(&mut w)?,
            Frame::ApiRequest(m) => m.write(&mut w)?,
            Frame::ApiResponse(m) => m.write(&mut w)?,
        }
        let len = dst.len() - HEADER_LEN;
        if len > max {
            return Err(FrameError::TooLarge { len, max });
        }
        let len32 = u32::try_from(len).map_err(|_| FrameError::TooLarge { len, max })?;
        dst[..HEADER_LEN].copy_from_slice(&len32.to_be_bytes());
        Ok(dst.freeze())
    }

    fn kind(&self) -> u8 {
        match self {
            Frame::Hello(_) => kind::HELLO,
            Frame::Challenge(_) => kind::CHALLENGE,
            Frame::RegisterNeeded(_) => kind::REGISTER_NEEDED,
            Frame::Register(_) => kind::REGISTER,
            Frame::Proof(_) => kind::PROOF,
            Frame::Welcome(_) => kind::WELCOME,
            Frame::Heartbeat(_) => kind::HEARTBEAT,
            Frame::Announce(_) => kind::ANNOUNCE,
            Frame::Withdraw(_) => kind::WITHDRAW,
            Frame::StreamRefused(_) => kind::STREAM_REFUSED,
            Frame::Error(_) => kind::ERROR,
            Frame::Pull(_) => kind::PULL,
            Frame::Tag(_) => kind::TAG,
            Frame::End(_) => kind::END,
            Frame::ApiRequest(_) => kind::API_REQUEST,
            Frame::ApiResponse(_) => kind::API_RESPONSE,
        }
    }
}

#[cfg(test)]
mod tests;
