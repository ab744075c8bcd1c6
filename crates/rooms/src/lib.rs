//! The room runtime: every room that has someone in it, running.
//!
//! Layer: adapter (tokio + storage), below the transports. It knows no
//! HTTP, WebSocket or gRPC: `api` carries members' messages to and from
//! it, `server` wires it to storage and the live engine.
//!
//! Drive loop: [`Rooms`] finds a room's actor, starting it from storage on
//! first use. The actor owns the pure [`room::Room`] and takes one message
//! at a time from its inbox (a member's join or command, a command or read
//! from an HTTP route, the live engine's news, a site ban). For each it
//! applies the command with the current time, drains the room's events,
//! writes each durable one to storage, then hands the event to the room's
//! fan-out: a bounded queue per member connection, never waited on (a
//! full queue cuts that connection). A room with nobody connected stops
//! after a while.
//!
//! A member connection joins with [`Rooms::join`] and gets a [`Member`]:
//! its queue of [`Shared`] messages and the signal that the room ends it
//! ([`Closing`]). The transport drives the socket; this crate never sees
//! one.
//!
//! Also here: stream keys for the live engine ([`RoomStreamKeys`]), play
//! tokens for rooms with a password ([`PlayTokens`]), and the bridge that
//! tells rooms about their live streams standalone ([`watch_live`]).
//!
//! Cluster mode ([`Rooms::clustered`]): a room runs on the replica that
//! holds its writer lease; its actor also appends every event to the
//! room's bus, applies commands forwarded by other replicas and answers
//! their connections, all through one ordered outbox (`writer`). Other
//! replicas run a follower instead (`follower`): they forward their
//! connections' joins and commands and fan the bus out in seq order.
//! The writer learns the room's live status from the stream lease and its
//! viewer count from the cluster's [`Audience`] (`writer_watch`).
//! docs/cluster.md ("Rooms across replicas") has the rules.
//! docs/rooms.md is the room model, docs/realtime.md the protocol.

mod actor;
mod audience;
mod clock;
mod error;
mod fanout;
mod follower;
mod follower_io;
mod keys;
mod live_events;
mod member;
mod outgoing;
mod persist;
mod play_tokens;
mod registry;
mod relay;
mod relay_command;
mod relay_error;
mod replicas;
mod site;
mod writer;
mod writer_actor;
mod writer_watch;

pub use audience::{Audience, ViewerCountFuture};
pub use error::RoomsError;
pub use fanout::{Closing, ConnId};
pub use keys::RoomStreamKeys;
pub use live_events::{watch_live, LiveStatus};
pub use member::{Entry, Member};
pub use outgoing::{Outgoing, Shared};
pub use play_tokens::{PlayTokens, TOKEN_TTL_MS};
pub use registry::{Rooms, RoomsConfig};
pub use replicas::Replicas;
