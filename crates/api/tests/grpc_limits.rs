//! What a gRPC client hears when it sends a message the server cannot
//! take: tried as an outside client would, with raw bytes on the stream.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes};
use common::realtime::Server;
use common::Store;
use serde_json::json;
use tokio::sync::mpsc;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::{Code, Status, Streaming};
use wire::pb::server_message::Kind;
use wire::{pb, ClientMessage, ServerMessage};

const PATIENCE: Duration = Duration::from_secs(20);

/// Sends bytes as they are; reads server messages.
#[derive(Clone, Copy, Default)]
struct RawClientCodec;

impl Codec for RawClientCodec {
    type Encode = Bytes;
    type Decode = ServerMessage;
    type Encoder = RawClientCodec;
    type Decoder = RawClientCodec;

    fn encoder(&mut self) -> RawClientCodec {
        RawClientCodec
    }

    fn decoder(&mut self) -> RawClientCodec {
        RawClientCodec
    }
}

impl Encoder for RawClientCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawClientCodec {
    type Item = ServerMessage;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<ServerMessage>, Status> {
        let bytes = src.copy_to_bytes(src.remaining());
        wire::protobuf::decode_server(&bytes)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

struct RawStream {
    out: mpsc::Sender<Bytes>,
    inbound: Streaming<ServerMessage>,
}

impl RawStream {
    async fn open(server: &Server, room: &str, token: &str) -> RawStream {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .http2_only(true)
                .build::<_, tonic::body::Body>(connector);
        let origin = format!("http://{}", server.addr).parse().unwrap();
        let mut grpc = tonic::client::Grpc::with_origin(http, origin);
        let (out, rx) = mpsc::channel(8);
        let mut request = tonic::Request::new(tokio_stream::wrappers::ReceiverStream::new(rx));
        let metadata = request.metadata_mut();
        metadata.insert(wire::ROOM_ID_METADATA_KEY, room.parse().unwrap());
        metadata.insert("authorization", format!("Bearer {token}").parse().unwrap());
        grpc.ready().await.unwrap();
        let path = PathAndQuery::from_static("/synctv.room.v1.RoomService/MessageStream");
        let opened = tokio::time::timeout(PATIENCE, grpc.streaming(request, path, RawClientCodec))
            .await
            .expect("an answer to MessageStream in time")
            .expect("the stream opens");
        RawStream {
            out,
            inbound: opened.into_inner(),
        }
    }

    async fn send(&mut self, message: impl Into<pb::client_message::Kind>) {
        let bytes = wire::protobuf::encode_client(&ClientMessage::new(message));
        self.send_raw(bytes.into()).await;
    }

    async fn send_raw(&mut self, bytes: Bytes) {
        self.out.send(bytes).await.unwrap();
    }

    /// The next message, or the status the stream ended with (`Ok` when
    /// it ended cleanly).
    async fn next(&mut self) -> Result<ServerMessage, Status> {
        let next = tokio::time::timeout(PATIENCE, self.inbound.message())
            .await
            .expect("the server answers in time");
        match next {
            Ok(Some(message)) => Ok(message),
            Ok(None) => Err(Status::ok("the stream ended with OK and no word")),
            Err(status) => Err(status),
        }
    }

    /// The next message that is not a room event.
    async fn next_reply(&mut self) -> Result<ServerMessage, Status> {
        loop {
            let message = self.next().await?;
            if !message.is_event() {
                return Ok(message);
            }
        }
    }

    async fn joined(server: &Server, room: &str, token: &str) -> RawStream {
        let mut stream = RawStream::open(server, room, token).await;
        stream.send(pb::Join::default()).await;
        let welcome = stream.next_reply().await.unwrap();
        assert!(
            matches!(welcome.kind, Some(Kind::Welcome(_))),
            "{welcome:?}"
        );
        stream
    }

    /// A ping answered by a pong: the stream still works.
    async fn still_works(&mut self) {
        let ping = pb::TimePing { client_time_ms: 42 };
        self.send(ping).await;
        let reply = self.next_reply().await.unwrap();
        assert!(
            matches!(reply.kind, Some(Kind::TimePong(ref p)) if p.client_time_ms == 42),
            "{reply:?}"
        );
    }
}

fn error_code(message: &ServerMessage) -> &str {
    match &message.kind {
        Some(Kind::Error(error)) => &error.code,
        _ => panic!("not an error: {message:?}"),
    }
}

async fn start() -> (Server, String, String) {
    let store = Store::open_sqlite_memory().await.unwrap();
    let server = Server::start(store, rooms::RoomsConfig::default()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "limits"})).await;
    (server, room, host)
}

#[tokio::test]
async fn a_grpc_message_over_the_limit_is_answered_too_large_and_the_stream_goes_on() {
    let (server, room, host) = start().await;
    let mut stream = RawStream::joined(&server, &room, &host).await;
    let text = "x".repeat(wire::MAX_CLIENT_MESSAGE_BYTES + 1);
    let chat = pb::SendChat {
        text,
        request_id: "big".into(),
    };
    stream.send(chat).await;
    let reply = stream.next_reply().await.expect("an answer, not the end");
    assert_eq!(error_code(&reply), "too_large");
    stream.still_works().await;
}

#[tokio::test]
async fn a_grpc_message_that_does_not_decode_is_answered_bad_message_and_the_stream_goes_on() {
    let (server, room, host) = start().await;
    let mut stream = RawStream::joined(&server, &room, &host).await;
    // Field 15, wire type 7: no such wire type.
    stream.send_raw(Bytes::from_static(&[0x7f, 0x01])).await;
    let reply = stream.next_reply().await.expect("an answer, not the end");
    assert_eq!(error_code(&reply), "bad_message");
    stream.still_works().await;
}

#[tokio::test]
async fn a_grpc_frame_too_large_to_read_ends_the_stream_with_resource_exhausted() {
    let (server, room, host) = start().await;
    let mut stream = RawStream::joined(&server, &room, &host).await;
    let mut huge = Vec::with_capacity(1 << 20);
    huge.put_bytes(0, 1 << 20);
    stream.send_raw(huge.into()).await;
    let ended = stream.next_reply().await.expect_err("the stream ends");
    assert_eq!(ended.code(), Code::ResourceExhausted, "{ended:?}");
}
