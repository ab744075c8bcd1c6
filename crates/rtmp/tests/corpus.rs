//! Every file under `tests/corpus/` is fed to a server session, whole and in
//! small pieces. Files named `ok_*` must be accepted without error and
//! produce at least one frame; all others may fail, but never panic.
//!
//! `cargo test -p rtmp --test corpus -- --ignored` rewrites the seed files.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use media::{Frame, Track};
use rtmp::chunk::{encode_message, MessageHeader};
use rtmp::handshake::{ClientHandshake, PACKET_SIZE};
use rtmp::{
    ClientConfig, ClientEvent, ClientSession, ServerConfig, ServerEvent, ServerSession,
    SessionError,
};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Feeds `bytes` in pieces of `piece`, accepting every request.
fn feed(bytes: &[u8], piece: usize) -> (Result<(), SessionError>, usize) {
    let now = Instant::now();
    let mut server = ServerSession::new(ServerConfig::default(), now);
    let mut frames = 0;
    for part in bytes.chunks(piece) {
        if let Err(e) = server.handle_input(part, now) {
            server.handle_close();
            while server.poll_event().is_some() {}
            return (Err(e), frames);
        }
        while server.poll_transmit().is_some() {}
        while let Some(event) = server.poll_event() {
            match event {
                ServerEvent::PublishRequested { stream_id, .. } => {
                    server.accept_publish(stream_id).unwrap();
                }
                ServerEvent::PlayRequested { stream_id, .. } => {
                    server.accept_play(stream_id).unwrap();
                }
                ServerEvent::Frame { .. } => frames += 1,
                _ => {}
            }
        }
    }
    (Ok(()), frames)
}

#[test]
fn every_corpus_file_is_handled_without_panicking() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "corpus is missing");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for piece in [usize::MAX, 1000, 3] {
            let (result, frames) = feed(&bytes, piece);
            if name.starts_with("ok_") {
                assert_eq!(result, Ok(()), "{name} in pieces of {piece}");
                assert!(frames > 0, "{name} gave no frames");
            }
        }
    }
}

/// Everything a client sends in a publish session, captured in memory.
fn captured_publish() -> Vec<u8> {
    let now = Instant::now();
    let mut server = ServerSession::new(ServerConfig::default(), now);
    let mut client = ClientSession::new(ClientConfig::new("live", "rtmp://h/live"), now);
    client.publish("key?token=1").unwrap();
    let mut wire = Vec::new();
    let mut frames_sent = false;
    for _ in 0..20 {
        while let Some(b) = client.poll_transmit() {
            wire.extend_from_slice(&b);
            server.handle_input(&b, now).unwrap();
        }
        while let Some(e) = server.poll_event() {
            if let ServerEvent::PublishRequested { stream_id, .. } = e {
                server.accept_publish(stream_id).unwrap();
            }
        }
        while let Some(b) = server.poll_transmit() {
            client.handle_input(&b, now).unwrap();
        }
        while let Some(e) = client.poll_event() {
            if matches!(e, ClientEvent::PublishStarted { .. }) && !frames_sent {
                send_sample_frames(&mut client);
                frames_sent = true;
            }
        }
    }
    wire
}

fn send_sample_frames(client: &mut ClientSession) {
    let meta = amf0::encode_all(&[
        amf0::Value::from("onMetaData"),
        amf0::Value::EcmaArray(vec![("duration".into(), amf0::Value::Number(0.0))]),
    ]);
    let frames = [
        Frame::parse(Track::Data, 0, meta.into()).unwrap(),
        Frame::parse(Track::Video, 0, vec![0x17, 0, 0, 0, 0, 1, 0x64].into()).unwrap(),
        Frame::parse(Track::Audio, 0, vec![0xaf, 0, 0x12, 0x10].into()).unwrap(),
        Frame::parse(Track::Video, 0xff_fff0, vec![0x17; 5000].into()).unwrap(),
        Frame::parse(Track::Video, 0x100_0010, vec![0x27; 5000].into()).unwrap(),
    ];
    client.set_chunk_size(1000);
    for frame in &frames {
        client.send_frame(frame).unwrap();
    }
}

fn handshake_prefix() -> Vec<u8> {
    let mut hs = ClientHandshake::new(7);
    let mut out = hs.poll_transmit().unwrap().to_vec();
    out.extend(std::iter::repeat_n(0u8, PACKET_SIZE));
    out
}

#[test]
#[ignore = "rewrites the corpus seeds"]
fn regenerate_corpus() {
    let dir = corpus_dir();
    let publish = captured_publish();
    let mut garbage = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..3000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push(x as u8);
    }
    let control = |type_id: u8, payload: &[u8]| {
        let header = MessageHeader {
            csid: 2,
            timestamp: 0,
            type_id,
            stream_id: 0,
        };
        let mut out = handshake_prefix();
        out.extend_from_slice(&encode_message(&header, payload, 128).unwrap());
        out
    };
    let mut huge = handshake_prefix();
    huge.extend_from_slice(&[0x03, 0, 0, 0, 0xff, 0xff, 0xfe, 20, 0, 0, 0, 0]);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("ok_publish_session.bin", publish.clone()),
        (
            "truncated_session.bin",
            publish[..publish.len() - 2500].to_vec(),
        ),
        (
            "truncated_handshake.bin",
            handshake_prefix()[..700].to_vec(),
        ),
        ("rtmpe_handshake.bin", vec![6; 1537]),
        ("garbage.bin", garbage.clone()),
        (
            "handshake_then_garbage.bin",
            [handshake_prefix(), garbage].concat(),
        ),
        ("zero_chunk_size.bin", control(1, &[0, 0, 0, 0])),
        ("short_user_control.bin", control(4, &[0, 6, 1])),
        ("huge_message.bin", huge),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
