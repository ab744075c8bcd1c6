//! The `link_frames` fuzz seeds (`fuzz/seeds/link_frames/`) replayed as an
//! ordinary test: each file is decoded whole and in pieces and fed to a
//! server connection set up as the fuzz target does. Files named `ok_*`
//! are real client transcripts and must authenticate; others may fail, but
//! never panic.
//!
//! `cargo test -p link --test corpus -- --ignored` rewrites the seed files.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use link::frame::{ApiRequest, Heartbeat, Hello, Pull};
use link::scram::Verifier;
use link::{
    ClientConfig, ClientConnection, ClientEvent, Frame, ServerConfig, ServerConnection,
    ServerEvent, PROTOCOL_VERSION, REQUEST_MAX_FRAME,
};

const SECRET: &[u8] = b"edge secret";

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/link_frames")
}

fn server(auto_register: bool, now: Instant) -> ServerConnection {
    let config = ServerConfig {
        auto_register,
        ..ServerConfig::default()
    };
    ServerConnection::new(config, Bytes::from_static(&[2; 24]), Bytes::new(), now)
}

fn verifier() -> Verifier {
    Verifier::derive(SECRET, Bytes::from_static(&[7; 24]), 4096)
}

/// Feeds `input` in pieces the way the fuzz target does; returns the
/// server's events.
fn feed(known: bool, auto_register: bool, input: &[u8], piece: usize) -> Vec<ServerEvent> {
    let now = Instant::now();
    let mut server = server(auto_register, now);
    let mut events = Vec::new();
    for part in input.chunks(piece) {
        let _ = server.handle_input(part, now);
        while let Some(event) = server.poll_event() {
            if matches!(event, ServerEvent::VerifierNeeded { .. }) {
                let _ = server.handle_verifier(known.then(verifier), now);
            }
            events.push(event);
        }
        while server.poll_transmit().is_some() {}
    }
    events
}

fn decode_all(input: &[u8]) -> Vec<Frame> {
    let mut buf = BytesMut::from(input);
    std::iter::from_fn(|| Frame::decode(&mut buf, REQUEST_MAX_FRAME).ok().flatten()).collect()
}

#[test]
fn every_seed_is_handled_without_panicking() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(seed_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 4, "seeds missing in {:?}", seed_dir());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let (&setup, input) = data.split_first().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for frame in decode_all(input) {
            let again = frame.encode(REQUEST_MAX_FRAME).unwrap();
            assert_eq!(decode_all(&again), [frame], "{name}");
        }
        let whole = feed(setup & 1 == 1, setup & 2 == 2, input, input.len().max(1));
        for piece in [1, 3, 7] {
            let split = feed(setup & 1 == 1, setup & 2 == 2, input, piece);
            assert_eq!(split, whole, "{name} split in pieces of {piece}");
        }
        if name.starts_with("ok_") {
            let authenticated = whole
                .iter()
                .any(|e| matches!(e, ServerEvent::Authenticated { .. }));
            assert!(authenticated, "{name}: {whole:?}");
            assert!(
                !whole
                    .iter()
                    .any(|e| matches!(e, ServerEvent::Closed { .. })),
                "{name}: {whole:?}"
            );
        }
    }
}

/// What a real client sends to the fuzz target's server, then `extra`.
fn transcript(known: bool, auto_register: bool, extra: &[Frame]) -> Vec<u8> {
    let now = Instant::now();
    let mut server = server(auto_register, now);
    let config = ClientConfig::new("edge-1", SECRET);
    let salt = Bytes::from_static(&[9; 24]);
    let nonce = Bytes::from_static(&[1; 24]);
    let mut client = ClientConnection::new(config, nonce, salt, Bytes::new(), now);
    let mut sent = Vec::new();
    for _ in 0..10 {
        while let Some(b) = client.poll_transmit() {
            sent.extend_from_slice(&b);
            let _ = server.handle_input(&b, now);
        }
        while let Some(event) = server.poll_event() {
            if matches!(event, ServerEvent::VerifierNeeded { .. }) {
                let _ = server.handle_verifier(known.then(verifier), now);
            }
        }
        while let Some(b) = server.poll_transmit() {
            let _ = client.handle_input(&b, now);
        }
        if std::iter::from_fn(|| client.poll_event())
            .any(|e| matches!(e, ClientEvent::Connected { .. }))
        {
            break;
        }
    }
    client.announce("cam").unwrap();
    client.withdraw("cam").unwrap();
    while let Some(b) = client.poll_transmit() {
        sent.extend_from_slice(&b);
    }
    for frame in extra {
        sent.extend_from_slice(&frame.encode(REQUEST_MAX_FRAME).unwrap());
    }
    sent
}

#[test]
#[ignore = "rewrites fuzz/seeds/link_frames"]
fn write_seeds() {
    let heartbeat = Frame::Heartbeat(Heartbeat { seq: 1 });
    let hello = Frame::Hello(Hello {
        version: PROTOCOL_VERSION,
        name: "edge-1".into(),
        nonce: Bytes::from_static(&[1; 24]),
    });
    let api = Frame::ApiRequest(ApiRequest {
        method: "GET".into(),
        path: "/api/v1/rooms".into(),
        query: "page=1".into(),
        headers: vec![("accept".into(), "application/json".into())],
        body: Bytes::new(),
    });
    let pull = Frame::Pull(Pull {
        stream: "cam".into(),
    });
    let hello_bytes = hello.encode(REQUEST_MAX_FRAME).unwrap();
    let seeds: Vec<(&str, u8, Vec<u8>)> = vec![
        (
            "ok_known_client",
            0b0001_0001,
            transcript(true, false, std::slice::from_ref(&heartbeat)),
        ),
        (
            "ok_registering_client",
            0b0000_0110,
            transcript(false, true, &[heartbeat]),
        ),
        (
            "unknown_without_auto_register",
            0b0000_0100,
            hello_bytes.to_vec(),
        ),
        (
            "request_frames",
            0b0000_0001,
            [api, pull]
                .iter()
                .flat_map(|f| f.encode(REQUEST_MAX_FRAME).unwrap().to_vec())
                .collect(),
        ),
        (
            "bad_length",
            0b0000_0001,
            vec![0xff, 0xff, 0xff, 0xff, 0x01],
        ),
        (
            "bad_truncated_hello",
            0b0000_0101,
            hello_bytes[..hello_bytes.len() - 3].to_vec(),
        ),
    ];
    let dir = seed_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for (name, setup, body) in seeds {
        let mut data = vec![setup];
        data.extend_from_slice(&body);
        std::fs::write(dir.join(name), data).unwrap();
    }
}

proptest::proptest! {
    /// The fuzz target's server properties on random input after a valid
    /// transcript prefix: one `Closed` at most, and only with an error.
    #[test]
    fn random_bytes_after_a_real_transcript_close_at_most_once(
        cut in 0usize..111,
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        piece in 1usize..16,
    ) {
        static PREFIX: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let mut input = PREFIX.get_or_init(|| transcript(true, false, &[])).clone();
        input.truncate(cut);
        input.extend_from_slice(&tail);
        let events = feed(true, false, &input, piece);
        let closed = events
            .iter()
            .filter(|e| matches!(e, ServerEvent::Closed { .. }))
            .count();
        proptest::prop_assert!(closed <= 1);
        if closed == 1 {
            let last_is_closed = matches!(events.last(), Some(ServerEvent::Closed { .. }));
            proptest::prop_assert!(last_is_closed);
        }
    }
}
