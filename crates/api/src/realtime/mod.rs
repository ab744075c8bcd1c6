//! Rooms in real time: one actor task per active room, and the
//! connections of its members over WebSocket and gRPC.
//!
//! - [`Rooms`] finds a room's actor, starting it (from storage) on first
//!   use; an actor with nobody connected stops after a while.
//! - The actor owns the room's [`room::Room`]: it applies commands from
//!   connections and from the HTTP routes, writes each durable event to
//!   storage, then hands it to every connection's bounded queue.
//! - A connection task owns its socket: it reads client messages, passes
//!   commands to the actor, and writes what its queue holds. A connection
//!   whose queue is full is cut off; the others never wait for it.
//!
//! docs/realtime.md is the protocol; docs/rooms.md the room model.

mod actor;
mod fanout;
mod grpc;
mod identity;
mod live_events;
mod outgoing;
mod persist;
mod registry;
mod session;
mod upgrade;
mod ws;

pub(crate) use grpc::RoomGrpc;
pub use live_events::watch_live;
pub use registry::{Rooms, RoomsConfig};
pub(crate) use ws::upgrade;
