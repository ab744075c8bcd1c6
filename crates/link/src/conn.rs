//! What both ends of a control stream share: the receive buffer, the
//! outgoing queue, heartbeats with a dead-peer timeout, and the error type.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use thiserror::Error;

use crate::frame::control::REASON_MAX;
use crate::frame::{ErrorCode, ErrorFrame, Frame, FrameError, Heartbeat, CONTROL_MAX_FRAME};
use crate::scram::AuthError;

/// How many heartbeat intervals of silence make a peer dead.
pub const DEAD_AFTER_BEATS: u32 = 3;

/// Why a control connection ended.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LinkError {
    #[error("malformed frame: {0}")]
    Frame(#[from] FrameError),
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthError),
    #[error("refused by the peer ({code:?}): {reason}")]
    Refused { code: ErrorCode, reason: String },
    #[error("refused here ({code:?}): {reason}")]
    RefusedHere { code: ErrorCode, reason: String },
    #[error("unexpected {frame} frame while {state}")]
    Unexpected {
        frame: &'static str,
        state: &'static str,
    },
    #[error("the peer was silent for {0:?}")]
    Timeout(Duration),
    #[error("the handshake is not finished")]
    NotOpen,
    #[error("the connection is closed")]
    Closed,
}

/// The byte side of a connection: input buffer and output queue.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    input: BytesMut,
    output: VecDeque<Bytes>,
}

impl Wire {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
    }

    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        Frame::decode(&mut self.input, CONTROL_MAX_FRAME)
    }

    /// Queues a frame; one over the control limit is refused.
    pub(crate) fn send(&mut self, frame: &Frame) -> Result<(), FrameError> {
        let bytes = frame.encode(CONTROL_MAX_FRAME)?;
        self.output.push_back(bytes);
        Ok(())
    }

    /// Queues an error frame; the reason is clipped to its limit.
    pub(crate) fn send_error(&mut self, code: ErrorCode, reason: &str) {
        let mut end = reason.len().min(REASON_MAX);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        let reason = reason.get(..end).unwrap_or_default().to_owned();
        // A clipped reason always fits a control frame.
        let _ = self.send(&Frame::Error(ErrorFrame { code, reason }));
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Bytes> {
        self.output.pop_front()
    }

    pub(crate) fn discard_input(&mut self) {
        self.input.clear();
    }
}

/// Heartbeat timers: send every `interval`, give up after
/// [`DEAD_AFTER_BEATS`] intervals without hearing anything.
#[derive(Debug)]
pub(crate) struct Beats {
    interval: Duration,
    last_heard: Instant,
    next_send: Option<Instant>,
    seq: u64,
}

impl Beats {
    pub(crate) fn new(interval: Duration, now: Instant) -> Self {
        Self {
            interval,
            last_heard: now,
            next_send: None,
            seq: 0,
        }
    }

    pub(crate) fn dead_after(&self) -> Duration {
        self.interval * DEAD_AFTER_BEATS
    }

    pub(crate) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
    }

    /// Starts sending heartbeats (once the handshake is done).
    pub(crate) fn start(&mut self, interval: Duration, now: Instant) {
        self.interval = interval;
        self.next_send = Some(now + interval);
    }

    pub(crate) fn is_dead(&self, now: Instant) -> bool {
        now >= self.last_heard + self.dead_after()
    }

    /// A heartbeat to send now, if one is due.
    pub(crate) fn due(&mut self, now: Instant) -> Option<Heartbeat> {
        let next = self.next_send?;
        if now < next {
            return None;
        }
        self.next_send = Some(now + self.interval);
        self.seq += 1;
        Some(Heartbeat { seq: self.seq })
    }

    pub(crate) fn poll_timeout(&self) -> Instant {
        let dead = self.last_heard + self.dead_after();
        self.next_send.map_or(dead, |next| next.min(dead))
    }
}

/// The name of a frame for error messages.
pub(crate) fn frame_name(frame: &Frame) -> &'static str {
    match frame {
        Frame::Hello(_) => "hello",
        Frame::Challenge(_) => "challenge",
        Frame::RegisterNeeded(_) => "register-needed",
        Frame::Register(_) => "register",
        Frame::Proof(_) => "proof",
        Frame::Welcome(_) => "welcome",
        Frame::Heartbeat(_) => "heartbeat",
        Frame::Announce(_) => "announce",
        Frame::Withdraw(_) => "withdraw",
        Frame::StreamRefused(_) => "stream-refused",
        Frame::Error(_) => "error",
        Frame::Pull(_) => "pull",
        Frame::Tag(_) => "tag",
        Frame::End(_) => "end",
        Frame::ApiRequest(_) => "api-request",
        Frame::ApiResponse(_) => "api-response",
    }
}
