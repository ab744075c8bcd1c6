//! Both handshake sides, then a whole server session, on arbitrary bytes.

#![no_main]

use std::time::Instant;

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rtmp::handshake::{ClientHandshake, ServerHandshake};
use rtmp::{ServerConfig, ServerEvent, ServerSession};

fuzz_target!(|data: &[u8]| {
    let mut server = ServerHandshake::new(1);
    let mut buf = BytesMut::from(data);
    let _ = server.handle_input(&mut buf);
    while server.poll_transmit().is_some() {}

    let mut client = ClientHandshake::new(2);
    let mut buf = BytesMut::from(data);
    let _ = client.handle_input(&mut buf);
    while client.poll_transmit().is_some() {}

    let now = Instant::now();
    let mut session = ServerSession::new(ServerConfig::default(), now);
    for piece in data.chunks(1024) {
        if session.handle_input(piece, now).is_err() {
            session.handle_close();
            break;
        }
        while session.poll_transmit().is_some() {}
        while let Some(event) = session.poll_event() {
            match event {
                ServerEvent::PublishRequested { stream_id, .. } => {
                    let _ = session.accept_publish(stream_id);
                }
                ServerEvent::PlayRequested { stream_id, .. } => {
                    let _ = session.accept_play(stream_id);
                }
                _ => {}
            }
        }
    }
    while session.poll_event().is_some() {}
});
