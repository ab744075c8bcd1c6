//! `Pair`: a [`ClientSession`] and a [`ServerSession`] joined by memory,
//! with time advanced by hand.

use std::time::{Duration, Instant};

use bytes::Bytes;
use media::{Frame, Track};

use crate::{ClientConfig, ClientEvent, ClientSession, ServerConfig, ServerEvent, ServerSession};

pub(super) struct Pair {
    pub(super) server: ServerSession,
    pub(super) client: ClientSession,
    pub(super) now: Instant,
    pub(super) server_events: Vec<ServerEvent>,
    pub(super) client_events: Vec<ClientEvent>,
    /// Deliver bytes in pieces of at most this many bytes.
    pub(super) fragment: usize,
}

impl Pair {
    pub(super) fn new(server: ServerConfig, client: ClientConfig) -> Pair {
        let now = Instant::now();
        Pair {
            server: ServerSession::new(server, now),
            client: ClientSession::new(client, now),
            now,
            server_events: Vec::new(),
            client_events: Vec::new(),
            fragment: usize::MAX,
        }
    }

    pub(super) fn default_pair() -> Pair {
        Pair::new(ServerConfig::default(), client_config())
    }

    pub(super) fn advance(&mut self, by: Duration) {
        self.now += by;
    }

    /// Shuttles bytes both ways until neither side has anything to send.
    pub(super) fn drive(&mut self) {
        for _ in 0..1000 {
            let to_server = drain(|| self.client.poll_transmit());
            self.deliver_to_server(&to_server);
            let to_client = drain(|| self.server.poll_transmit());
            for piece in to_client.chunks(self.fragment) {
                self.client
                    .handle_input(piece, self.now)
                    .expect("client input");
            }
            self.collect_events();
            if to_server.is_empty() && to_client.is_empty() {
                return;
            }
        }
        panic!("the pair never went quiet");
    }

    /// Feeds raw bytes to the server as if the client had sent them.
    pub(super) fn deliver_to_server(&mut self, bytes: &[u8]) {
        for piece in bytes.chunks(self.fragment) {
            self.server
                .handle_input(piece, self.now)
                .expect("server input");
        }
        self.collect_events();
    }

    fn collect_events(&mut self) {
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
    }

    /// Connects, publishes as `name` and lets the server accept it.
    pub(super) fn publishing(&mut self, name: &str) -> u32 {
        self.client.publish(name).unwrap();
        self.drive();
        let stream_id = self.take_publish_request();
        self.server.accept_publish(stream_id).unwrap();
        self.drive();
        assert!(self
            .client_events
            .contains(&ClientEvent::PublishStarted { stream_id }));
        stream_id
    }

    pub(super) fn take_publish_request(&mut self) -> u32 {
        let found = self.server_events.iter().find_map(|e| match e {
            ServerEvent::PublishRequested { stream_id, .. } => Some(*stream_id),
            _ => None,
        });
        found.expect("a publish request")
    }

    pub(super) fn server_frames(&self) -> Vec<Frame> {
        self.server_events
            .iter()
            .filter_map(|e| match e {
                ServerEvent::Frame { frame, .. } => Some(frame.clone()),
                _ => None,
            })
            .collect()
    }

    pub(super) fn client_frames(&self) -> Vec<Frame> {
        self.client_events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Frame(frame) => Some(frame.clone()),
                _ => None,
            })
            .collect()
    }
}

pub(super) fn client_config() -> ClientConfig {
    ClientConfig::new("live", "rtmp://127.0.0.1/live")
}

fn drain(mut next: impl FnMut() -> Option<Bytes>) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = next() {
        out.extend_from_slice(&b);
    }
    out
}

/// An AVC keyframe of `size` bytes at `dts`.
pub(super) fn video_keyframe(dts: i64, size: usize) -> Frame {
    let mut body = vec![0x17, 1, 0, 0, 0];
    body.extend((0..size.saturating_sub(5)).map(|i| i as u8));
    Frame::parse(Track::Video, dts, body.into()).unwrap()
}

/// An AAC raw frame at `dts`.
pub(super) fn audio_frame(dts: i64) -> Frame {
    Frame::parse(
        Track::Audio,
        dts,
        Bytes::from_static(&[0xaf, 1, 0x21, 0x10]),
    )
    .unwrap()
}

/// An onMetaData body.
pub(super) fn metadata_frame() -> Frame {
    let body = amf0::encode_all(&[
        amf0::Value::from("onMetaData"),
        amf0::Value::EcmaArray(vec![("width".into(), amf0::Value::Number(1280.0))]),
    ]);
    Frame::parse(Track::Data, 0, body.into()).unwrap()
}
