//! Cascade: the protocol between a cascade server (upstream) and its
//! clients (downstream), as a pure core.
//!
//! Layer: pure. Nothing here owns a socket, a task or a clock; the QUIC
//! transport feeds received bytes and the current time in and drains frames
//! and events out. Nonces and salts are parameters too, taken from the
//! transport's random source.
//!
//! - [`frame`]: length-prefixed frames with a type byte and hard size
//!   limits, decoded from partial buffers.
//! - [`scram`]: the SCRAM-style challenge–response; the secret never crosses
//!   the wire and the server stores only a [`scram::Verifier`].
//! - [`ServerConnection`] / [`ClientConnection`]: the control stream of each
//!   end (hello, authentication, registration, heartbeats, stream
//!   announcements, errors).
//! - [`admit`]: the address allow-list and the failure limiter.
//!
//! # Drive loop
//!
//! 1. on bytes from the control stream: `handle_input(bytes, now)`;
//! 2. drain `poll_event()` until `None`, answering what it asks (the
//!    server's [`ServerEvent::VerifierNeeded`] with `handle_verifier`, a
//!    clashing [`ServerEvent::Announced`] with `refuse_stream`);
//! 3. drain `poll_transmit()` until `None`, writing the bytes in order;
//! 4. sleep until `poll_timeout()` (ask again after every call), then
//!    `handle_timeout(now)`.
//!
//! An `Err` from `handle_input` means the connection is over: the error
//! frame for the peer is already queued, send it and close the stream.
//!
//! docs/cascade.md describes the protocol.

pub mod admit;
pub mod client;
mod conn;
pub mod frame;
pub mod scram;
pub mod server;

pub use admit::{AllowList, Cidr, CidrError, FailureLimiter};
pub use client::{ClientConfig, ClientConnection, ClientEvent};
pub use conn::{LinkError, DEAD_AFTER_BEATS};
pub use frame::{Frame, FrameError, CONTROL_MAX_FRAME, PROTOCOL_VERSION, REQUEST_MAX_FRAME};
pub use server::{ServerConfig, ServerConnection, ServerEvent};
