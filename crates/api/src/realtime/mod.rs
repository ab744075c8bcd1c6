//! Room members' connections over WebSocket and gRPC. The rooms
//! themselves run in the `rooms` crate.
//!
//! A connection task owns its socket: it reads client messages, passes
//! commands to the room ([`rooms::Rooms`]), and writes what its queue
//! holds. A connection whose queue is full is cut off by the room; the
//! others never wait for it.
//!
//! docs/realtime.md is the protocol; docs/rooms.md the room model.

mod grpc;
mod identity;
mod session;
mod upgrade;
mod ws;

pub(crate) use grpc::RoomGrpc;
pub(crate) use ws::upgrade;
