//! RTMP: handshake, chunk stream codec, messages and sessions.
//!
//! Layer: pure. Nothing here owns a socket, a task or a clock; the glue
//! feeds received bytes and the current time in and drains what comes out.
//! Handshake filler bytes come from a seed in the configuration.
//!
//! Drive loop of a [`ServerSession`] (a [`ClientSession`] is the same):
//!
//! 1. on bytes from the socket: [`ServerSession::handle_input`]`(bytes, now)`;
//! 2. drain [`ServerSession::poll_event`] until `None`, answering
//!    publish/play requests with `accept_*`/`reject_*`;
//! 3. drain [`ServerSession::poll_transmit`] until `None` and write the
//!    buffers (vectored);
//! 4. sleep until [`ServerSession::poll_timeout`], then call
//!    [`ServerSession::handle_timeout`]`(now)`.
//!
//! Any `Err(SessionError)` means the peer misbehaved or timed out: close
//! that connection. Media for players is serialised once per chunk size with
//! [`chunk::encode_frame`] on the chunk stream ids in [`chunk`], so a fan-out
//! hub produces the same bytes a session would.

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
