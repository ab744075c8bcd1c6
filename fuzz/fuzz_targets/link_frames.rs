//! Cascade frames from an untrusted peer: the frame decoder, and a server
//! control connection fed the same bytes.
//!
//! Input: the first byte chooses the setup (bit 0: the client's name is
//! known; bit 1: auto_register; the other bits: the piece size the rest is
//! split into), the rest is what the client sends. The server's nonce and
//! the known verifier are fixed, so the seeds (real client transcripts) get
//! past authentication.
//!
//! Properties: nothing panics; the decoder yields the same frames however
//! the bytes are split, and every decoded frame re-encodes to bytes that
//! decode equal; the server reports `Closed` at most once, and only after
//! an error, and then refuses further input.
#![no_main]

use std::sync::OnceLock;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use link::scram::Verifier;
use link::REQUEST_MAX_FRAME;
use link::{Frame, FrameError, LinkError, ServerConfig, ServerConnection, ServerEvent};

fn decode_all(input: &[u8], piece: usize) -> (Vec<Frame>, Option<FrameError>) {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for part in input.chunks(piece) {
        buf.extend_from_slice(part);
        loop {
            match Frame::decode(&mut buf, REQUEST_MAX_FRAME) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

fn check_decoder(input: &[u8], piece: usize) {
    let whole = decode_all(input, input.len().max(1));
    assert_eq!(
        decode_all(input, piece),
        whole,
        "splitting changed the result"
    );
    for frame in &whole.0 {
        let bytes = frame
            .encode(REQUEST_MAX_FRAME)
            .expect("a decoded frame encodes");
        let mut buf = BytesMut::from(&bytes[..]);
        let again = Frame::decode(&mut buf, REQUEST_MAX_FRAME).expect("re-encoded decodes");
        assert_eq!(again.as_ref(), Some(frame));
    }
}

/// The known client's verifier, derived once (PBKDF2 is slow on purpose).
fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| Verifier::derive(b"edge secret", Bytes::from_static(&[7; 24]), 4096))
}

fn check_server(known: bool, auto_register: bool, input: &[u8], piece: usize) {
    let now = Instant::now();
    let config = ServerConfig {
        auto_register,
        ..ServerConfig::default()
    };
    let nonce = Bytes::from_static(&[2; 24]);
    let mut server = ServerConnection::new(config, nonce, Bytes::new(), now);
    let mut failed = false;
    let mut closed = 0;
    for part in input.chunks(piece) {
        let result = server.handle_input(part, now);
        if failed {
            assert_eq!(result, Err(LinkError::Closed));
        }
        failed |= result.is_err();
        while let Some(event) = server.poll_event() {
            match event {
                ServerEvent::VerifierNeeded { .. } => {
                    let answer = known.then(|| verifier().clone());
                    failed |= server.handle_verifier(answer, now).is_err();
                }
                ServerEvent::Closed { .. } => closed += 1,
                _ => {}
            }
        }
        while server.poll_transmit().is_some() {}
    }
    assert!(closed <= 1, "closed {closed} times");
    assert_eq!(closed == 1, failed, "a Closed event goes with an error");
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, input)) = data.split_first() else {
        return;
    };
    let piece = usize::from(setup >> 2) + 1;
    check_decoder(input, piece);
    check_server(setup & 1 == 1, setup & 2 == 2, input, piece);
});
