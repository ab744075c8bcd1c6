//! Server sessions fed arbitrary bytes after a valid handshake never panic
//! and hold bounded memory.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use proptest::prelude::*;
use rtmp::handshake::{ClientHandshake, PACKET_SIZE};
use rtmp::{ServerConfig, ServerEvent, ServerSession};

fn handshake() -> Vec<u8> {
    let mut hs = ClientHandshake::new(3);
    let mut out = hs.poll_transmit().unwrap().to_vec();
    out.extend(std::iter::repeat_n(0u8, PACKET_SIZE));
    out
}

/// A valid connect + createStream + publish prefix, so random bytes reach
/// the media path too.
fn connected_prefix() -> Vec<u8> {
    use rtmp::chunk::{encode_message, MessageHeader};
    use rtmp::command::{Connect, CreateStream, Publish};
    let mut out = handshake();
    let mut command = |stream_id: u32, raw: rtmp::command::RawCommand| {
        let header = MessageHeader {
            csid: 3,
            timestamp: 0,
            type_id: 20,
            stream_id,
        };
        out.extend_from_slice(&encode_message(&header, &raw.encode(), 128).unwrap());
    };
    command(0, Connect::new("live", "rtmp://h/live").to_raw());
    command(
        0,
        CreateStream {
            transaction_id: 2.0,
        }
        .to_raw(),
    );
    let publish = Publish {
        transaction_id: 0.0,
        name: "k".into(),
        kind: "live".into(),
    };
    command(1, publish.to_raw());
    out
}

fn run(prefix: &[u8], tail: &[u8], cut: usize) {
    let now = Instant::now();
    let mut server = ServerSession::new(ServerConfig::default(), now);
    let bytes = [prefix, tail].concat();
    for piece in bytes.chunks(cut) {
        if server.handle_input(piece, now).is_err() {
            server.handle_close();
            break;
        }
        while server.poll_transmit().is_some() {}
        while let Some(event) = server.poll_event() {
            if let ServerEvent::PublishRequested { stream_id, .. } = event {
                server.accept_publish(stream_id).unwrap();
            }
        }
    }
    while server.poll_event().is_some() {}
}

proptest! {
    #[test]
    fn random_bytes_after_the_handshake_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..3000),
        cut in 1usize..512,
    ) {
        run(&handshake(), &tail, cut);
    }

    #[test]
    fn random_bytes_after_a_publish_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..3000),
        cut in 1usize..512,
    ) {
        run(&connected_prefix(), &tail, cut);
    }

    #[test]
    fn random_handshakes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4000)) {
        run(&[], &bytes, 700);
    }
}
