//! RTMP: handshake, chunk stream codec, messages and sessions.
//!
//! Layer: pure. Nothing here owns a socket, a task or a clock; the glue
//! feeds received bytes and the current time in and drains what comes out.
//! Handshake filler bytes come from a seed in the configuration.
//!
//! # Drive loop
//!
//! For a [`ServerSession`] (a [`ClientSession`] is driven the same way):
//!
//! 1. on bytes from the socket: [`ServerSession::handle_input`]`(bytes, now)`;
//! 2. drain [`ServerSession::poll_event`] until `None`, answering
//!    publish/play requests with `accept_*`/`reject_*`;
//! 3. drain [`ServerSession::poll_transmit`] until `None` and write the
//!    buffers in order (vectored);
//! 4. sleep until [`ServerSession::poll_timeout`] (ask again after every
//!    call: it moves), then call [`ServerSession::handle_timeout`]`(now)`.
//!
//! Any `Err(SessionError)` means the peer misbehaved or timed out: close
//! that connection. On an error or end of file, call
//! [`ServerSession::handle_close`] and drain the events once more: every
//! publish and play still open is reported as ended.
//!
//! # Media out
//!
//! Players receive media on the chunk stream ids [`chunk::CSID_AUDIO`],
//! [`chunk::CSID_VIDEO`] and [`chunk::CSID_DATA`], each message a complete
//! fmt 0 chunk sequence. [`chunk::encode_frame`] produces exactly those
//! bytes, so a fan-out hub can serialise a frame once per
//! (chunk size, message stream id) and write it to every player whose
//! session reports that [`ServerSession::outgoing_chunk_size`] (the
//! configured size, announced on connect) and play stream id (1 for every
//! common player). Write the session's own transmits first: they carry
//! Play.Start.
//!
//! # Peers
//!
//! The server answers Flash-style digest handshakes (OBS, librtmp, ffmpeg)
//! with a signed S1/S2 that verifying players accept, and other clients with
//! an echo. Extended timestamps are written on every fmt 3 chunk as librtmp
//! and ffmpeg do; on reading, whether the peer repeats them is detected.

pub mod chunk;
pub mod command;
mod error;
pub mod handshake;
pub mod message;
mod rng;
mod session;

pub use error::{ChunkError, HandshakeError, MessageError, SessionError, UsageError};
pub use session::{
    ClientConfig, ClientEvent, ClientSession, ServerConfig, ServerEvent, ServerSession,
};

#[cfg(test)]
mod tests;
