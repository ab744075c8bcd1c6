//! A real server on 127.0.0.1 and realtime clients for it: WebSocket (JSON
//! or protobuf) and gRPC, all read back as the protocol's JSON.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use live::{Live, LiveConfig, StaticKeys};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wire::pb::room_service_client::RoomServiceClient;
use wire::ClientMessage;

use super::{authed, call, Store};

/// How long a test waits for any one message before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Server {
    pub addr: SocketAddr,
    pub app: axum::Router,
    stop: watch::Sender<bool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Server {
    pub async fn start(store: Store, rooms: rooms::RoomsConfig) -> Server {
        let live = Live::new(
            LiveConfig::default(),
            hub::HubConfig::default(),
            Arc::new(StaticKeys::default()),
        );
        let state = api::AppState::new(live, store).with_rooms(rooms);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let limits = api::HttpLimits {
            max_connections: 10_000,
            first_bytes_timeout: Duration::from_secs(10),
        };
        tokio::spawn(api::serve(listener, state.clone(), limits, stopped));
        Server {
            addr,
            app: api::router(state),
            stop,
        }
    }

    /// Registers `name`; returns the session token.
    pub async fn user(&self, name: &str) -> String {
        super::token_for(&self.app, name).await
    }

    /// Creates a room as `token` with extra settings; returns its id.
    pub async fn room(&self, token: &str, body: Value) -> String {
        let request = authed(axum::http::Request::post("/api/v1/rooms"), token)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let (status, value, _) = call(&self.app, request).await;
        assert_eq!(status, 201, "{value}");
        value["id"].as_str().unwrap().to_owned()
    }

    /// A JSON API call with a token.
    pub async fn api(&self, method: &str, uri: &str, token: &str, body: Value) -> (u16, Value) {
        let request = authed(
            axum::http::Request::builder().method(method).uri(uri),
            token,
        )
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
        let (status, value, _) = call(&self.app, request).await;
        (status.as_u16(), value)
    }
}

/// A realtime client; every message it receives is turned into the JSON
/// mapping, whatever the transport.
pub enum Client {
    Ws {
        ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    },
    Grpc {
        out: mpsc::Sender<ClientMessage>,
        inbound: tonic::Streaming<wire::ServerMessage>,
    },
}

impl Client {
    /// A WebSocket client; `protobuf` asks for binary frames.
    pub async fn ws(server: &Server, room: &str, token: Option<&str>, protobuf: bool) -> Client {
        let socket = TcpSocket::new_v4().unwrap();
        let stream = socket.connect(server.addr).await.unwrap();
        Client::ws_over(server, stream, room, token, protobuf).await
    }

    /// A WebSocket client whose receive buffer is tiny, for stalling.
    pub async fn ws_small_buffer(server: &Server, room: &str, token: &str) -> Client {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(server.addr).await.unwrap();
        Client::ws_over(server, stream, room, Some(token), false).await
    }

    async fn ws_over(
        server: &Server,
        stream: TcpStream,
        room: &str,
        token: Option<&str>,
        protobuf: bool,
    ) -> Client {
        let encoding = if protobuf { "?encoding=protobuf" } else { "" };
        let ws = ws_handshake(server, stream, &format!("{room}/ws{encoding}"), token)
            .await
            .unwrap();
        Client::Ws { ws }
    }

    /// Asks for a WebSocket at `/api/v1/rooms/{path}`, expecting the
    /// server to refuse before the upgrade: its status and error code.
    pub async fn ws_refused(server: &Server, path: &str, token: Option<&str>) -> (u16, String) {
        let stream = TcpStream::connect(server.addr).await.unwrap();
        let handshake = ws_handshake(server, stream, path, token);
        let refusal = match tokio::time::timeout(PATIENCE, handshake).await {
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response))) => response,
            Ok(Err(other)) => panic!("not an HTTP refusal: {other}"),
            Ok(Ok(_)) => panic!("the upgrade was accepted"),
            Err(_) => panic!("no answer to the upgrade in time"),
        };
        let body = refusal.body().as_deref().unwrap_or_default();
        let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let code = value["error"]["code"].as_str().unwrap_or_default();
        (refusal.status().as_u16(), code.to_owned())
    }

    /// A gRPC `MessageStream` client over HTTP/2 on the same port.
    pub async fn grpc(server: &Server, room: &str, token: &str) -> Client {
        Client::grpc_opened(server, room, Some(token))
            .await
            .unwrap()
    }

    /// Opens a gRPC `MessageStream`, with or without a token; the status
    /// if the server refuses it.
    pub async fn grpc_opened(
        server: &Server,
        room: &str,
        token: Option<&str>,
    ) -> Result<Client, tonic::Status> {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .http2_only(true)
                .build::<_, tonic::body::Body>(connector);
        let origin: tonic::codegen::http::Uri = format!("http://{}", server.addr).parse().unwrap();
        let mut client = RoomServiceClient::with_origin(http, origin);
        let (out, rx) = mpsc::channel(64);
        let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let metadata = request.metadata_mut();
        metadata.insert(wire::ROOM_ID_METADATA_KEY, room.parse().unwrap());
        if let Some(token) = token {
            metadata.insert("authorization", format!("Bearer {token}").parse().unwrap());
        }
        let opened = tokio::time::timeout(PATIENCE, client.message_stream(request))
            .await
            .expect("an answer to MessageStream in time")?;
        Ok(Client::Grpc {
            out,
            inbound: opened.into_inner(),
        })
    }

    /// Sends one client message given in the JSON mapping.
    pub async fn send(&mut self, message: Value) {
        match self {
            Client::Ws { ws } => ws.send(Message::text(message.to_string())).await.unwrap(),
            Client::Grpc { out, .. } => {
                let message = wire::json::decode_client(&message.to_string()).unwrap();
                out.send(message).await.unwrap();
            }
        }
    }

    /// Sends one text frame as is (WebSocket only).
    pub async fn send_raw(&mut self, text: String) {
        let Client::Ws { ws } = self else {
            panic!("raw frames are for WebSocket clients");
        };
        ws.send(Message::text(text)).await.unwrap();
    }

    /// Reads until the server closes the connection; `true` once it has.
    pub async fn next_until_closed(&mut self) -> bool {
        for _ in 0..10_000 {
            if self.next().await.is_none() {
                return true;
            }
        }
        false
    }

    /// Reads a WebSocket until the server closes it: the chats read on the
    /// way and the close frame's code and reason (`None` if the
    /// connection ended without one).
    pub async fn chats_until_close(&mut self) -> (usize, Option<(u16, String)>) {
        let Client::Ws { ws } = self else {
            panic!("close frames are for WebSocket clients");
        };
        let mut chats = 0;
        for _ in 0..100_000 {
            let frame = tokio::time::timeout(PATIENCE, ws.next())
                .await
                .expect("a frame or the end in time");
            let message = match frame {
                Some(Ok(Message::Close(frame))) => {
                    let reason = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    return (chats, reason);
                }
                Some(Ok(message)) => message,
                None | Some(Err(_)) => return (chats, None),
            };
            let text = match message {
                Message::Text(text) => text.to_string(),
                Message::Binary(bytes) => {
                    let decoded = wire::protobuf::decode_server(&bytes).unwrap();
                    wire::json::encode_server(&decoded)
                }
                _ => continue,
            };
            let value: Value = serde_json::from_str(&text).unwrap();
            chats += usize::from(value["type"] == "chat");
        }
        panic!("the server never closed the connection");
    }

    /// The next server message, as JSON; `None` when the server closed.
    pub async fn next(&mut self) -> Option<Value> {
        let message = tokio::time::timeout(PATIENCE, self.next_message())
            .await
            .expect("a server message in time")?;
        Some(serde_json::from_str(&wire::json::encode_server(&message)).unwrap())
    }

    async fn next_message(&mut self) -> Option<wire::ServerMessage> {
        match self {
            Client::Ws { ws } => loop {
                match ws.next().await? {
                    Ok(Message::Text(text)) => {
                        return Some(wire::json::decode_server(&text).unwrap())
                    }
                    Ok(Message::Binary(bytes)) => {
                        return Some(wire::protobuf::decode_server(&bytes).unwrap())
                    }
                    Ok(Message::Close(_)) | Err(_) => return None,
                    Ok(_) => continue,
                }
            },
            Client::Grpc { inbound, .. } => inbound.message().await.ok().flatten(),
        }
    }

    /// The next message that is not a reply (ack, pong): an event, a
    /// welcome or a resumed.
    pub async fn next_event(&mut self) -> Value {
        loop {
            let message = self.next().await.expect("the connection stays open");
            if !matches!(message["type"].as_str(), Some("ack" | "time_pong")) {
                return message;
            }
        }
    }

    /// Reads until a message of `kind`; returns it.
    pub async fn until(&mut self, kind: &str) -> Value {
        loop {
            let message = self.next().await.expect("the connection stays open");
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Joins; returns the welcome (or resumed) message.
    pub async fn join(&mut self, last_seq: Option<u64>, password: &str) -> Value {
        self.send(json!({"type": "join", "last_seq": last_seq, "password": password}))
            .await;
        self.next().await.expect("an answer to join")
    }

    /// The events this client receives up to and including `seq`.
    pub async fn events_through(&mut self, seq: u64) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let message = self.next().await.expect("the connection stays open");
            if matches!(
                message["type"].as_str(),
                Some("ack" | "time_pong" | "error")
            ) {
                continue;
            }
            let at = message["seq"].as_u64().unwrap();
            events.push(message);
            if at >= seq {
                return events;
            }
        }
    }

    pub async fn close(self) {
        if let Client::Ws { mut ws } = self {
            let _ = ws.close(None).await;
        }
    }
}

/// The WebSocket handshake for `/api/v1/rooms/{path}` over `stream`.
async fn ws_handshake(
    server: &Server,
    stream: TcpStream,
    path: &str,
    token: Option<&str>,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, tokio_tungstenite::tungstenite::Error> {
    let url = format!("ws://{}/api/v1/rooms/{path}", server.addr);
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().unwrap();
        request.headers_mut().insert("authorization", value);
    }
    let (ws, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream)).await?;
    Ok(ws)
}
