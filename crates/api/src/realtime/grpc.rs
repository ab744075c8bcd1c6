//! The gRPC transport: `synctv.room.v1.RoomService/MessageStream` on the
//! HTTP port (HTTP/2).
//!
//! Served by hand rather than through the generated server so client
//! messages are decoded by the session, as over WebSocket: a message over
//! [`wire::MAX_CLIENT_MESSAGE_BYTES`] is answered `too_large` and one that
//! does not decode `bad_message`, in-band, and the stream goes on. A frame
//! over [`MAX_FRAME_BYTES`] cannot be read past: the stream ends with
//! `RESOURCE_EXHAUSTED`.

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::extract::Request as HttpRequest;
use bytes::Bytes;
use rooms::{Closing, Shared};
use store::{RoomId, RoomRepo};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::body::Body as GrpcBody;
use tonic::codegen::BoxFuture;
use tonic::server::{Grpc, StreamingService};
use tonic::{Code, Request, Response, Status, Streaming};
use wire::{ClientMessage, WireError};

use super::bytes_codec::BytesCodec;
use super::identity::identify;
use super::session::{self, SessionContext, Transport};
use super::MAX_FRAME_BYTES;
use crate::client_addr::ClientIp;
use crate::{ApiError, AppState};

/// Server messages buffered between a session and the HTTP/2 stream.
const STREAM_BUFFER: usize = 16;

/// The service behind the gRPC route.
#[derive(Debug, Clone)]
pub(crate) struct RoomGrpc {
    state: AppState,
}

impl RoomGrpc {
    pub(crate) fn service(state: AppState) -> RoomGrpc {
        RoomGrpc { state }
    }
}

impl tower::Service<HttpRequest> for RoomGrpc {
    type Response = axum::http::Response<GrpcBody>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let method = MessageStream {
            state: self.state.clone(),
        };
        Box::pin(async move {
            let mut grpc = Grpc::new(BytesCodec).apply_max_message_size_config(
                Some(MAX_FRAME_BYTES),
                Some(wire::MAX_SERVER_MESSAGE_BYTES),
            );
            Ok(grpc.streaming(method, request).await)
        })
    }
}

/// One `MessageStream` call.
struct MessageStream {
    state: AppState,
}

impl StreamingService<Bytes> for MessageStream {
    type Response = Bytes;
    type ResponseStream = ReceiverStream<Result<Bytes, Status>>;
    type Future = BoxFuture<Response<Self::ResponseStream>, Status>;

    fn call(&mut self, request: Request<Streaming<Bytes>>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(open(state, request))
    }
}

/// Checks the room and the caller, then runs the session on its own task.
async fn open(
    state: AppState,
    request: Request<Streaming<Bytes>>,
) -> Result<Response<ReceiverStream<Result<Bytes, Status>>>, Status> {
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
        .get::<ClientIp>()
        .map(|ClientIp(addr)| *addr);
    state
        .store
        .room(&room)
        .await
        .map_err(|e| ApiError::from(e).grpc_status())?;
    let who = identify(&state, token, name)
        .await
        .map_err(|e| e.grpc_status())?;
    let ctx = SessionContext {
        rooms: state.rooms.clone(),
        store: state.store.clone(),
        room,
        who,
        limiter: state.auth_limiter.clone(),
        peer,
        audience: state.audience.clone(),
        stages: state.stages.clone(),
    };
    let (out, stream) = mpsc::channel(STREAM_BUFFER);
    let transport = GrpcTransport {
        inbound: request.into_inner(),
        out,
    };
    tokio::spawn(session::run(transport, ctx));
    Ok(Response::new(ReceiverStream::new(stream)))
}

struct GrpcTransport {
    inbound: Streaming<Bytes>,
    out: mpsc::Sender<Result<Bytes, Status>>,
}

impl Transport for GrpcTransport {
    async fn recv(&mut self) -> Option<Result<ClientMessage, WireError>> {
        match self.inbound.message().await {
            Ok(message) => message.map(|bytes| wire::protobuf::decode_client(&bytes)),
            Err(status) if status.code() == Code::OutOfRange => {
                // Over the frame bound: the rest of the stream is unreadable.
                let status = ApiError::TooLarge.grpc_status();
                let _ = self.out.send(Err(status)).await;
                None
            }
            Err(status) => {
                tracing::debug!("gRPC stream read failed: {status}");
                None
            }
        }
    }

    async fn send(&mut self, message: &Shared) -> bool {
        self.out.send(Ok(message.protobuf())).await.is_ok()
    }

    async fn close(&mut self, closing: Closing) {
        let status = crate::error::closing_status(closing);
        let _ = self.out.send(Err(status)).await;
    }
}
