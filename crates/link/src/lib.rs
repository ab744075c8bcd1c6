//! Cascade: the protocol between a cascade server (upstream) and its
//! clients (downstream), as a pure core.
//!
//! Layer: pure. Nothing here owns a socket, a task or a clock; the QUIC
//! transport feeds received bytes and the current time in and drains frames
//! and events out.
//!
//! - [`frame`]: length-prefixed frames with a type byte and hard size
//!   limits, decoded from partial buffers.
//! - [`scram`]: the SCRAM-style challenge–response; the secret never crosses
//!   the wire and the server stores only a [`scram::Verifier`].
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
