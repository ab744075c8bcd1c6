//! The realtime room protocol: one schema, two encodings, three transports.
//!
//! Layer: schema. The messages are generated from
//! `proto/synctv/room/v1/room.proto` into [`pb`]; this crate adds their
//! JSON mapping, bounded decoders for untrusted input and the conversions
//! between the wire and the [`room`] domain. It owns no socket and no
//! task: bytes or text in, messages out, and the other way round.
//!
//! | transport | encoding | entry points |
//! |---|---|---|
//! | gRPC `RoomService.MessageStream` | protobuf | [`pb::room_service_server`], [`pb::room_service_client`] |
//! | WebSocket, binary frames | protobuf | [`protobuf::decode_client`], [`protobuf::encode_server`] |
//! | WebSocket, text frames | JSON | [`json::decode_client`], [`json::encode_server`] |
//!
//! # Drive loop of a connection
//!
//! ```
//! use room::{Actor, Room, RoomLimits, RoomSettings, UserId};
//! use wire::{json, pb, Inbound, ServerMessage};
//!
//! # let now_ms = 1_700_000_000_000;
//! # let limits = RoomLimits::default();
//! # let mut room = Room::new(UserId(1), "host", RoomSettings::new("r"), limits, now_ms)?;
//! # let join = room::Join { name: "host".into(), guest: false, password_ok: true };
//! # room.handle_command(Actor::User(UserId(1)), join.into(), now_ms)?;
//! # while room.poll_event().is_some() {}
//! let user = UserId(1); // from the connection's session
//! let last_seq = 1; // the last event seq sent on this connection
//!
//! // 1. Decode a frame: bounded, and bad input is a typed error with a code.
//! let message = json::decode_client(r#"{"type":"chat","text":"hi","request_id":"r1"}"#)?;
//! let request_id = message.request_id().unwrap_or_default().to_owned();
//!
//! // 2. Map it; commands go to the room with the actor added.
//! if let Inbound::Command(command) = Inbound::try_from(message)? {
//!     let reply = match room.handle_command(Actor::User(user), command, now_ms) {
//!         Ok(receipt) => {
//!             let ack = pb::Ack::new(&receipt, &request_id);
//!             ServerMessage::new(last_seq, now_ms, ack)
//!         }
//!         Err(refused) => {
//!             let error = pb::ErrorReply::from(&refused).with_request_id(Some(&request_id));
//!             ServerMessage::new(last_seq, now_ms, error)
//!         }
//!     };
//!     assert_eq!(reply.kind.as_ref().map(|k| k.name()), Some("ack"));
//! }
//!
//! // 3. Events become server messages, encoded once per encoding and
//! //    shared by every member using it.
//! while let Some(event) = room.poll_event() {
//!     let text = json::encode_server(&ServerMessage::from(&event));
//!     assert!(text.starts_with(r#"{"seq":2,"server_time_ms":1700000000000,"type":"chat""#));
//! }
//! # Ok::<(), wire::WireError>(())
//! ```
//!
//! A `join` becomes [`Inbound::Join`]: the connection checks the password,
//! sends [`room::Join`], then [`ServerMessage::welcome`] or a
//! [`pb::Resumed`] and the missed events. Other replies ([`pb::Ack`],
//! [`pb::ErrorReply`], [`pb::TimePong`]) are built with [`ServerMessage::new`]
//! and the `From` conversions from the room's types.
//!
//! # Limits
//!
//! Client messages are refused above [`MAX_CLIENT_MESSAGE_BYTES`] before
//! any parsing; server messages (which carry whole snapshots) above
//! [`MAX_SERVER_MESSAGE_BYTES`]. gRPC servers should set the same limit
//! with `max_decoding_message_size`. Decoders never panic on any input.
//!
//! docs/realtime.md describes the protocol for client authors.

mod envelope;
mod error;
mod event;
mod inbound;
pub mod json;
mod model;
pub mod protobuf;
mod reply;

#[cfg(test)]
mod arbitrary;

/// The generated protobuf messages (`synctv.room.v1`) and gRPC stubs.
#[allow(
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/synctv.room.v1.rs"));
}

pub use error::WireError;
pub use inbound::{Inbound, JoinRequest};
pub use pb::{ClientMessage, ServerMessage};

/// The largest client message accepted, in bytes (one WebSocket frame or
/// one gRPC message).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 64 * 1024;

/// The largest server message a client accepts, in bytes. A welcome
/// carries the whole room (up to 500 playlist items, 50 chat messages and
/// a first page of 100 members online), and a `members_changed` batch up
/// to 500 members, so this is far above any other message.
pub const MAX_SERVER_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

/// The gRPC request metadata key that names the room of a
/// `MessageStream` (the id as in `/api/v1/rooms/{id}`).
pub const ROOM_ID_METADATA_KEY: &str = "synctv-room-id";

#[cfg(test)]
mod tests {
    use tonic::server::NamedService;
    use tonic::{Request, Response, Status, Streaming};

    use super::pb::room_service_client::RoomServiceClient;
    use super::pb::room_service_server::{RoomService, RoomServiceServer};
    use super::*;

    struct Refuse;

    #[tonic::async_trait]
    impl RoomService for Refuse {
        type MessageStreamStream = tonic::codegen::BoxStream<ServerMessage>;

        async fn message_stream(
            &self,
            _request: Request<Streaming<ClientMessage>>,
        ) -> Result<Response<Self::MessageStreamStream>, Status> {
            Err(Status::unimplemented("test"))
        }
    }

    #[test]
    fn the_grpc_stubs_are_generated() {
        let _server =
            RoomServiceServer::new(Refuse).max_decoding_message_size(MAX_CLIENT_MESSAGE_BYTES);
        assert_eq!(
            RoomServiceServer::<Refuse>::NAME,
            "synctv.room.v1.RoomService"
        );
        // The client is generic over any tower service (a tonic Channel in
        // practice); here it is enough that it exists.
        let client = std::any::type_name::<RoomServiceClient<()>>();
        assert!(client.ends_with("RoomServiceClient<()>"));
    }
}
