//! A room member over gRPC (`RoomService/MessageStream`, HTTP/2), driven
//! from a blocking test: it owns a small runtime of its own.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use wire::pb::room_service_client::RoomServiceClient;
use wire::pb::server_message::Kind;
use wire::{ClientMessage, ServerMessage};

/// One gRPC member connection.
pub struct GrpcMember {
    runtime: tokio::runtime::Runtime,
    out: mpsc::Sender<ClientMessage>,
    inbound: tonic::Streaming<ServerMessage>,
}

impl GrpcMember {
    /// Opens the stream and joins; the member and its welcome's seq.
    pub fn join(http: SocketAddr, room: &str, token: &str) -> (GrpcMember, u64) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (out, inbound) = runtime.block_on(open(http, room, token));
        let mut member = GrpcMember {
            runtime,
            out,
            inbound,
        };
        member.send(r#"{"type": "join", "last_seq": null, "password": ""}"#);
        let welcome = member
            .next_where(Duration::from_secs(20), |m| {
                matches!(m.kind, Some(Kind::Welcome(_)))
            })
            .expect("no welcome over gRPC");
        (member, welcome.seq)
    }

    /// Sends a client message given in the JSON mapping.
    pub fn send(&mut self, json: &str) {
        let message = wire::json::decode_client(json).unwrap();
        self.runtime.block_on(self.out.send(message)).unwrap();
    }

    /// The chats received, as (seq, text), until `count` or `wait`.
    pub fn chats(&mut self, count: usize, wait: Duration) -> Vec<(u64, String)> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        while seen.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(message) = self.next_where(left, |m| matches!(m.kind, Some(Kind::Chat(_))))
            else {
                break;
            };
            if let Some(Kind::Chat(chat)) = message.kind {
                seen.push((message.seq, chat.text));
            }
        }
        seen
    }

    fn next_where(
        &mut self,
        wait: Duration,
        wanted: impl Fn(&ServerMessage) -> bool,
    ) -> Option<ServerMessage> {
        let inbound = &mut self.inbound;
        self.runtime.block_on(async {
            let find = async {
                while let Ok(Some(message)) = inbound.message().await {
                    if wanted(&message) {
                        return Some(message);
                    }
                }
                None
            };
            tokio::time::timeout(wait, find).await.ok().flatten()
        })
    }
}

async fn open(
    http: SocketAddr,
    room: &str,
    token: &str,
) -> (mpsc::Sender<ClientMessage>, tonic::Streaming<ServerMessage>) {
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .http2_only(true)
        .build::<_, tonic::body::Body>(connector);
    let origin: tonic::codegen::http::Uri = format!("http://{http}").parse().unwrap();
    let mut client = RoomServiceClient::with_origin(client, origin);
    let (out, rx) = mpsc::channel(64);
    let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
    let metadata = request.metadata_mut();
    metadata.insert(wire::ROOM_ID_METADATA_KEY, room.parse().unwrap());
    metadata.insert("authorization", format!("Bearer {token}").parse().unwrap());
    let opened = tokio::time::timeout(Duration::from_secs(20), client.message_stream(request))
        .await
        .expect("no answer to MessageStream")
        .expect("MessageStream refused");
    (out, opened.into_inner())
}
