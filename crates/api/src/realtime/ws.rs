//! The WebSocket transport: `GET /api/v1/rooms/{id}/ws`, JSON text frames
//! or (`?encoding=protobuf`) protobuf binary frames.
//!
//! A message longer than [`FRAGMENT_BYTES`] goes out as several frames of
//! one WebSocket message (RFC 6455 §5.4), which every client reassembles.
//! The socket's write buffer keeps the capacity of the largest frame it
//! ever wrote, so bounding frames bounds what an idle member costs, even
//! after a welcome with a long playlist.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use rooms::{Closing, Shared};
use serde::Deserialize;
use store::RoomRepo;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use wire::{pb, ClientMessage, WireError};

use super::identity::identify;
use super::session::{self, SessionContext, Transport};
use super::upgrade::{Socket, WsUpgrade};
use super::MAX_FRAME_BYTES;
use crate::auth::token_from;
use crate::client_addr::ClientIp;
use crate::json::ApiQuery;
use crate::path::ApiPath;
use crate::room_routes::room_id;
use crate::{ApiError, AppState};

/// The close code of every close the server starts; the reason is the
/// machine-readable code (`kicked`, `too_slow`, …).
const CLOSE_CODE: u16 = 4000;

/// The largest frame the server writes; longer messages are fragmented.
pub(crate) const FRAGMENT_BYTES: usize = 8 * 1024;

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
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<WsQuery>,
    headers: HeaderMap,
    peer: Option<Extension<ClientIp>>,
    ws: Result<WsUpgrade, ApiError>,
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
    let ws = ws?;
    state.store.room(&id).await?;
    let token = token_from(&headers).or(query.token.as_deref());
    let who = identify(&state, token, query.name.as_deref()).await?;
    let ctx = SessionContext {
        rooms: state.rooms.clone(),
        store: state.store.clone(),
        room: id,
        who,
        limiter: state.auth_limiter.clone(),
        peer: peer.map(|Extension(ClientIp(addr))| addr),
        audience: state.audience.clone(),
        stages: state.stages.clone(),
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
        .read_buffer_size(4096)
        .write_buffer_size(0);
    Ok(ws.respond(config, move |socket| {
        session::run(WsTransport { socket, binary }, ctx)
    }))
}

struct WsTransport {
    socket: Socket,
    binary: bool,
}

/// The frames of one message: the whole message when it is short, else
/// pieces of at most [`FRAGMENT_BYTES`], text cut on character boundaries.
fn frames(payload: Bytes, text: bool) -> Vec<Message> {
    let data = if text { Data::Text } else { Data::Binary };
    if payload.len() <= FRAGMENT_BYTES {
        let whole = Frame::message(payload, OpCode::Data(data), true);
        return vec![Message::Frame(whole)];
    }
    let mut out = Vec::with_capacity(payload.len() / FRAGMENT_BYTES + 1);
    let mut start = 0;
    while start < payload.len() {
        let mut end = (start + FRAGMENT_BYTES).min(payload.len());
        // A UTF-8 continuation byte is 0b10xx_xxxx: back up to a char start.
        while text && end < payload.len() && payload[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        let opcode = if start == 0 { data } else { Data::Continue };
        let last = end == payload.len();
        out.push(Message::Frame(Frame::message(
            payload.slice(start..end),
            OpCode::Data(opcode),
            last,
        )));
        start = end;
    }
    out
}

impl Transport for WsTransport {
    async fn recv(&mut self) -> Option<Result<ClientMessage, WireError>> {
        match self.socket.next().await? {
            Ok(Message::Text(text)) => Some(wire::json::decode_client(text.as_str())),
            Ok(Message::Binary(bytes)) => Some(wire::protobuf::decode_client(&bytes)),
            // Pings keep the connection alive, as heartbeats do.
            Ok(Message::Ping(_) | Message::Pong(_)) => {
                Some(Ok(ClientMessage::new(pb::Heartbeat {})))
            }
            Ok(Message::Close(_) | Message::Frame(_)) => None,
            Err(e) => {
                tracing::debug!("WebSocket read failed: {e}");
                None
            }
        }
    }

    async fn send(&mut self, message: &Shared) -> bool {
        let frames = if self.binary {
            frames(message.protobuf(), false)
        } else {
            frames(message.json(), true)
        };
        for frame in frames {
            if self.socket.send(frame).await.is_err() {
                return false;
            }
        }
        true
    }

    async fn close(&mut self, closing: Closing) {
        let frame = CloseFrame {
            code: CloseCode::from(CLOSE_CODE),
            reason: closing.code().into(),
        };
        let _ = self.socket.send(Message::Close(Some(frame))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(payload: &str, text: bool) -> Vec<Frame> {
        frames(Bytes::copy_from_slice(payload.as_bytes()), text)
            .into_iter()
            .map(|m| match m {
                Message::Frame(f) => f,
                other => panic!("not a frame: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_short_message_is_one_final_frame() {
        let out = pieces("{\"type\":\"chat\"}", true);
        assert_eq!(out.len(), 1);
        assert!(out[0].header().is_final);
        assert_eq!(out[0].header().opcode, OpCode::Data(Data::Text));
    }

    #[test]
    fn a_long_text_is_cut_between_characters_into_bounded_frames() {
        let text = "aé€😀".repeat(3000);
        let out = pieces(&text, true);
        assert!(out.len() > 2);
        let mut whole = Vec::new();
        for (i, frame) in out.iter().enumerate() {
            let opcode = if i == 0 { Data::Text } else { Data::Continue };
            assert_eq!(frame.header().opcode, OpCode::Data(opcode));
            assert_eq!(frame.header().is_final, i == out.len() - 1);
            assert!(frame.payload().len() <= FRAGMENT_BYTES);
            assert!(std::str::from_utf8(frame.payload()).is_ok(), "frame {i}");
            whole.extend_from_slice(frame.payload());
        }
        assert_eq!(whole, text.as_bytes());
    }

    #[test]
    fn a_long_binary_message_is_cut_at_the_bound() {
        let out = frames(Bytes::from(vec![0x80; 2 * FRAGMENT_BYTES + 1]), false);
        assert_eq!(out.len(), 3);
        assert!(matches!(&out[2], Message::Frame(f) if f.payload().len() == 1));
    }
}
