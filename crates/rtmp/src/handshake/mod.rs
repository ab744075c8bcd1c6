//! The RTMP handshake, both sides, sans-IO.
//!
//! Each side consumes bytes from the connection's buffer with
//! `handle_input`, queues what must be sent (drained with `poll_transmit`)
//! and reports `is_done()`. Bytes after the handshake stay in the buffer for
//! the chunk decoder.
//!
//! The server answers a C1 that carries a valid Flash Player digest with a
//! digest S1 and a signed S2 (so players that verify the server accept it),
//! and any other C1 with a plain S1 and an echoed S2. The client always sends
//! a digest C1 and accepts plain and digest servers alike.

mod client;
mod digest;
mod server;

pub use client::ClientHandshake;
pub use server::ServerHandshake;

/// The RTMP version byte (C0/S0) of unencrypted RTMP.
pub const RTMP_VERSION: u8 = 3;
/// Length of C1, C2, S1 and S2.
pub const PACKET_SIZE: usize = 1536;

/// How the peer's handshake was answered or accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandshakeMode {
    /// Echo handshake (no digest).
    Plain,
    /// HMAC-SHA256 digest handshake.
    Digest,
}

/// Copies the first `PACKET_SIZE` bytes of `bytes` into a packet.
fn packet_from(bytes: &[u8]) -> Box<[u8; PACKET_SIZE]> {
    let mut packet = Box::new([0u8; PACKET_SIZE]);
    let n = bytes.len().min(PACKET_SIZE);
    packet[..n].copy_from_slice(&bytes[..n]);
    packet
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;

    fn run(client: &mut ClientHandshake, server: &mut ServerHandshake) {
        let mut to_server = BytesMut::new();
        let mut to_client = BytesMut::new();
        for _ in 0..4 {
            while let Some(b) = client.poll_transmit() {
                to_server.extend_from_slice(&b);
            }
            server.handle_input(&mut to_server).unwrap();
            while let Some(b) = server.poll_transmit() {
                to_client.extend_from_slice(&b);
            }
            client.handle_input(&mut to_client).unwrap();
        }
    }

    #[test]
    fn client_and_server_complete_a_digest_handshake_and_verify_each_other() {
        let mut client = ClientHandshake::new(1);
        let mut server = ServerHandshake::new(2);
        run(&mut client, &mut server);
        assert!(client.is_done() && server.is_done());
        assert_eq!(server.mode(), Some(HandshakeMode::Digest));
        assert_eq!(client.mode(), Some(HandshakeMode::Digest));
        assert!(client.server_signature_valid());
    }

    #[test]
    fn bytes_after_c2_stay_in_the_buffer() {
        let mut client = ClientHandshake::new(1);
        let mut server = ServerHandshake::new(2);
        let mut buf = BytesMut::new();
        while let Some(b) = client.poll_transmit() {
            buf.extend_from_slice(&b);
        }
        server.handle_input(&mut buf).unwrap();
        let mut back = BytesMut::new();
        while let Some(b) = server.poll_transmit() {
            back.extend_from_slice(&b);
        }
        client.handle_input(&mut back).unwrap();
        while let Some(b) = client.poll_transmit() {
            buf.extend_from_slice(&b);
        }
        buf.extend_from_slice(b"after");
        server.handle_input(&mut buf).unwrap();
        assert!(server.is_done());
        assert_eq!(&buf[..], b"after");
    }
}

#[cfg(test)]
mod props {
    use bytes::BytesMut;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_either_side(
            bytes in proptest::collection::vec(any::<u8>(), 0..5000),
            cut in 1usize..2000,
        ) {
            let mut server = ServerHandshake::new(1);
            let mut client = ClientHandshake::new(2);
            let (mut to_server, mut to_client) = (BytesMut::new(), BytesMut::new());
            let (mut server_ok, mut client_ok) = (true, true);
            for piece in bytes.chunks(cut) {
                to_server.extend_from_slice(piece);
                to_client.extend_from_slice(piece);
                server_ok = server_ok && server.handle_input(&mut to_server).is_ok();
                client_ok = client_ok && client.handle_input(&mut to_client).is_ok();
                prop_assert!(to_server.len() <= bytes.len());
            }
            while server.poll_transmit().is_some() {}
        }

        #[test]
        fn any_seed_pair_agrees_on_digest(seed_a in any::<u64>(), seed_b in any::<u64>()) {
            let mut client = ClientHandshake::new(seed_a);
            let mut server = ServerHandshake::new(seed_b);
            let mut buf = BytesMut::new();
            while let Some(b) = client.poll_transmit() { buf.extend_from_slice(&b); }
            server.handle_input(&mut buf).unwrap();
            while let Some(b) = server.poll_transmit() { buf.extend_from_slice(&b); }
            client.handle_input(&mut buf).unwrap();
            prop_assert_eq!(server.mode(), Some(HandshakeMode::Digest));
            prop_assert!(client.server_signature_valid());
        }
    }
}
