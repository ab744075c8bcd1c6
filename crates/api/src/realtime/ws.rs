//! The WebSocket transport: `GET /api/v1/rooms/{id}/ws`, JSON text frames
//! or (`?encoding=protobuf`) protobuf binary frames.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use serde::Deserialize;
use store::RoomRepo;
use wire::{pb, ClientMessage, WireError};

use super::fanout::Closing;
use super::identity::identify;
use super::outgoing::Shared;
use super::session::{self, SessionContext, Transport};
use crate::auth::token_from;
use crate::json::ApiQuery;
use crate::rooms::room_id;
use crate::{ApiError, AppState};

/// Frames above this are refused by the WebSocket layer itself; between
/// it and [`wire::MAX_CLIENT_MESSAGE_BYTES`] the client gets `too_large`
/// in-band and keeps its connection.
const MAX_FRAME_BYTES: usize = 4 * wire::MAX_CLIENT_MESSAGE_BYTES;

/// The close code of every close the server starts; the reason is the
/// machine-readable code (`kicked`, `too_slow`, …).
const CLOSE_CODE: u16 = 4000;

#[derive(Debug, Deserialize)]
pub(crate) struct WsQuery {
    /// `json` (default) or `protobuf`: what the server sends.
    #[serde(default)]
    encoding: Option<String>,
    /// A session token, for clients that cannot set headers.
    #[serde(default)]
    token: Option<String>,
    /// A guest's display name.
    #[serde(default)]
    name: Option<String>,
}

pub(crate) async fn upgrade(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<WsQuery>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let id = room_id(&id)?;
    let binary = match query.encoding.as_deref() {
        None | Some("json") => false,
        Some("protobuf") => true,
        Some(_) => {
            return Err(ApiError::Invalid {
                code: "bad_encoding",
                message: "encoding is json or protobuf",
            })
        }
    };
    let ws = ws.map_err(|_| ApiError::Invalid {
        code: "not_websocket",
        message: "this route takes a WebSocket upgrade",
    })?;
    state.store.room(&id).await?;
    let token = token_from(&headers).or(query.token.as_deref());
    let who = identify(&state, token, query.name.as_deref()).await?;
    let ctx = SessionContext {
        rooms: state.rooms.clone(),
        store: state.store.clone(),
        room: id,
        who,
        limiter: state.auth_limiter.clone(),
        peer: peer.map(|Extension(ConnectInfo(addr))| addr.ip()),
    };
    Ok(ws
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .on_upgrade(move |socket| session::run(WsTransport { socket, binary }, ctx)))
}

struct WsTransport {
    socket: WebSocket,
    binary: bool,
}

impl Transport for WsTransport {
    async fn recv(&mut self) -> Option<Result<ClientMessage, WireError>> {
        match self.socket.recv().await? {
            Ok(Message::Text(text)) => Some(wire::json::decode_client(text.as_str())),
            Ok(Message::Binary(bytes)) => Some(wire::protobuf::decode_client(&bytes)),
            // Pings keep the connection alive, as heartbeats do.
            Ok(Message::Ping(_) | Message::Pong(_)) => {
                Some(Ok(ClientMessage::new(pb::Heartbeat {})))
            }
            Ok(Message::Close(_)) => None,
            Err(e) => {
                tracing::debug!("WebSocket read failed: {e}");
                None
            }
        }
    }

    async fn send(&mut self, message: &Shared) -> bool {
        let frame = if self.binary {
            Message::Binary(message.protobuf())
        } else {
            Message::Text(message.json())
        };
        self.socket.send(frame).await.is_ok()
    }

    async fn close(&mut self, closing: Closing) {
        let frame = CloseFrame {
            code: CLOSE_CODE,
            reason: closing.code.into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }
}
