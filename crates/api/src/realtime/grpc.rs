//! The gRPC transport: `synctv.room.v1.RoomService/MessageStream` on the
//! HTTP port (HTTP/2).

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use rooms::{Closing, Shared};
use store::{RoomId, RoomRepo};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status, Streaming};
use wire::pb::room_service_server::{RoomService, RoomServiceServer};
use wire::{ClientMessage, ServerMessage, WireError};

use super::identity::identify;
use super::session::{self, SessionContext, Transport};
use crate::{ApiError, AppState};

/// Server messages buffered between a session and the HTTP/2 stream.
const STREAM_BUFFER: usize = 16;

/// The service behind the gRPC route.
#[derive(Debug, Clone)]
pub(crate) struct RoomGrpc {
    state: AppState,
}

impl RoomGrpc {
    pub(crate) fn service(state: AppState) -> RoomServiceServer<RoomGrpc> {
        RoomServiceServer::new(RoomGrpc { state })
            .max_decoding_message_size(wire::MAX_CLIENT_MESSAGE_BYTES)
            .max_encoding_message_size(wire::MAX_SERVER_MESSAGE_BYTES)
    }
}

#[tonic::async_trait]
impl RoomService for RoomGrpc {
    type MessageStreamStream = tonic::codegen::BoxStream<ServerMessage>;

    async fn message_stream(
        &self,
        request: Request<Streaming<ClientMessage>>,
    ) -> Result<Response<Self::MessageStreamStream>, Status> {
        let metadata = request.metadata();
        let room = metadata
            .get(wire::ROOM_ID_METADATA_KEY)
            .and_then(|v| v.to_str().ok())
            .and_then(RoomId::parse)
            .ok_or_else(|| Status::not_found("no such room (synctv-room-id)"))?;
        let token = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let name = metadata.get("synctv-name").and_then(|v| v.to_str().ok());
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let state = &self.state;
        state
            .store
            .room(&room)
            .await
            .map_err(|e| status(&e.into()))?;
        let who = identify(state, token, name).await.map_err(|e| status(&e))?;
        let ctx = SessionContext {
            rooms: state.rooms.clone(),
            store: state.store.clone(),
            room,
            who,
            limiter: state.auth_limiter.clone(),
            peer,
        };
        let (out, stream) = mpsc::channel(STREAM_BUFFER);
        let transport = GrpcTransport {
            inbound: request.into_inner(),
            out,
        };
        tokio::spawn(session::run(transport, ctx));
        Ok(Response::new(Box::pin(ReceiverStream::new(stream))))
    }
}

fn status(error: &ApiError) -> Status {
    let code = match error.code() {
        "room_not_found" => Code::NotFound,
        "unauthenticated" => Code::Unauthenticated,
        "banned" => Code::PermissionDenied,
        _ => Code::Unavailable,
    };
    Status::new(code, error.to_string())
}

struct GrpcTransport {
    inbound: Streaming<ClientMessage>,
    out: mpsc::Sender<Result<ServerMessage, Status>>,
}

impl Transport for GrpcTransport {
    async fn recv(&mut self) -> Option<Result<ClientMessage, WireError>> {
        match self.inbound.message().await {
            Ok(message) => message.map(Ok),
            Err(status) => {
                tracing::debug!("gRPC stream read failed: {status}");
                None
            }
        }
    }

    async fn send(&mut self, message: &Shared) -> bool {
        self.out.send(Ok(message.message().clone())).await.is_ok()
    }

    async fn close(&mut self, closing: Closing) {
        let code = match closing {
            Closing::Kicked | Closing::Banned => Code::PermissionDenied,
            Closing::RoomClosed => Code::NotFound,
            Closing::TooSlow | Closing::JoinRefused => Code::Aborted,
        };
        let status = Status::new(code, format!("{}: {}", closing.code(), closing.message()));
        let _ = self.out.send(Err(status)).await;
    }
}
