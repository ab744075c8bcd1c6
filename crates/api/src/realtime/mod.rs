//! Room members' connections over WebSocket and gRPC. The rooms
//! themselves run in the `rooms` crate.
//!
//! A connection task owns its socket: it reads client messages, passes
//! commands to the room ([`rooms::Rooms`]), and writes what its queue
//! holds. A connection whose queue is full is cut off by the room; the
//! others never wait for it.
//!
//! docs/realtime.md is the protocol; docs/rooms.md the room model.

mod bytes_codec;
mod grpc;
mod identity;
mod live_beat;
mod session;
mod upgrade;
mod ws;

use axum::routing::get;
use axum::Router;

use crate::AppState;

/// Frames above this are refused by the WebSocket or gRPC layer itself
/// (the connection ends); between it and [`wire::MAX_CLIENT_MESSAGE_BYTES`]
/// the client gets `too_large` in-band and keeps its connection.
const MAX_FRAME_BYTES: usize = 4 * wire::MAX_CLIENT_MESSAGE_BYTES;

/// The room WebSocket and the gRPC `MessageStream`.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/ws", get(ws::upgrade))
        .route_service(
            "/synctv.room.v1.RoomService/MessageStream",
            grpc::RoomGrpc::service(state),
        )
}
