use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::digest::{self, Party, Scheme, DIGEST_LEN};
use super::{packet_from, HandshakeMode, PACKET_SIZE, RTMP_VERSION};
use crate::error::HandshakeError;
use crate::rng::Rng;

/// Version bytes of the client's C1 (non-zero: servers look for a digest).
const CLIENT_VERSION: [u8; 4] = [0x0a, 0x00, 0x20, 0x12];

/// The client side of the handshake: sends C0+C1 at once, reads S0+S1+S2,
/// answers C2.
#[derive(Debug)]
pub struct ClientHandshake {
    done: bool,
    c1_digest: [u8; DIGEST_LEN],
    mode: Option<HandshakeMode>,
    server_signature_valid: bool,
    rng: Rng,
    transmits: VecDeque<Bytes>,
}

impl ClientHandshake {
    /// Starts the handshake; C0+C1 is ready in `poll_transmit` at once.
    pub fn new(seed: u64) -> ClientHandshake {
        let mut rng = Rng::new(seed);
        let mut c1 = Box::new([0u8; PACKET_SIZE]);
        rng.fill(&mut c1[8..]);
        c1[4..8].copy_from_slice(&CLIENT_VERSION);
        let offset = digest::imprint(&mut c1, Scheme::Front, Party::Client);
        let mut c1_digest = [0u8; DIGEST_LEN];
        c1_digest.copy_from_slice(&c1[offset..offset + DIGEST_LEN]);
        let mut out = Vec::with_capacity(1 + PACKET_SIZE);
        out.push(RTMP_VERSION);
        out.extend_from_slice(&c1[..]);
        ClientHandshake {
            done: false,
            c1_digest,
            mode: None,
            server_signature_valid: false,
            rng,
            transmits: VecDeque::from([Bytes::from(out)]),
        }
    }

    /// Consumes S0+S1+S2 from `input` once all of it is there.
    pub fn handle_input(&mut self, input: &mut BytesMut) -> Result<(), HandshakeError> {
        if self.done {
            return Ok(());
        }
        let Some(&version) = input.first() else {
            return Ok(());
        };
        if version != RTMP_VERSION {
            return Err(HandshakeError::UnsupportedVersion(version));
        }
        if input.len() < 1 + 2 * PACKET_SIZE {
            return Ok(());
        }
        let s1 = packet_from(&input[1..=PACKET_SIZE]);
        let s2 = packet_from(&input[1 + PACKET_SIZE..1 + 2 * PACKET_SIZE]);
        input.advance(1 + 2 * PACKET_SIZE);
        let c2 = self.answer(&s1, &s2);
        self.transmits.push_back(Bytes::copy_from_slice(&c2[..]));
        self.done = true;
        Ok(())
    }

    /// The next bytes to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// S0+S1+S2 have been read and C2 queued.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How the server answered, once it did.
    pub fn mode(&self) -> Option<HandshakeMode> {
        self.mode
    }

    /// Whether a digest server also signed S2 correctly. Informational: a
    /// server whose S2 does not verify is still accepted.
    pub fn server_signature_valid(&self) -> bool {
        self.server_signature_valid
    }

    fn answer(&mut self, s1: &[u8; PACKET_SIZE], s2: &[u8; PACKET_SIZE]) -> Box<[u8; PACKET_SIZE]> {
        let found = (s1[4..8] != [0; 4]).then(|| digest::find(s1, Party::Server));
        let Some((_, server_digest)) = found.flatten() else {
            self.mode = Some(HandshakeMode::Plain);
            return Box::new(*s1);
        };
        self.mode = Some(HandshakeMode::Digest);
        self.server_signature_valid = digest::verify(s2, &self.c1_digest, Party::Server);
        if !self.server_signature_valid {
            tracing::debug!("server S2 signature does not verify; continuing");
        }
        let mut c2 = Box::new([0u8; PACKET_SIZE]);
        self.rng.fill(&mut c2[..]);
        digest::sign(&mut c2, &server_digest, Party::Client);
        c2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_carries_a_client_digest() {
        let mut hs = ClientHandshake::new(3);
        let out = hs.poll_transmit().unwrap();
        assert_eq!(out.len(), 1 + PACKET_SIZE);
        let c1 = packet_from(&out[1..]);
        assert_eq!(
            digest::find(&c1, Party::Client).map(|(s, _)| s),
            Some(Scheme::Front)
        );
    }

    #[test]
    fn a_plain_server_gets_s1_echoed() {
        let mut hs = ClientHandshake::new(3);
        hs.poll_transmit();
        let mut buf = BytesMut::from(&[RTMP_VERSION][..]);
        let s1: Vec<u8> = (0..PACKET_SIZE).map(|i| (i % 251) as u8).collect();
        let mut s1_plain = s1.clone();
        s1_plain[4..8].copy_from_slice(&[0; 4]);
        buf.extend_from_slice(&s1_plain);
        buf.extend_from_slice(&[0u8; PACKET_SIZE]);
        hs.handle_input(&mut buf).unwrap();
        assert!(hs.is_done());
        assert_eq!(hs.mode(), Some(HandshakeMode::Plain));
        assert_eq!(&hs.poll_transmit().unwrap()[..], &s1_plain[..]);
    }

    #[test]
    fn waits_for_the_whole_answer() {
        let mut hs = ClientHandshake::new(3);
        let mut buf = BytesMut::from(&[RTMP_VERSION; 2000][..]);
        hs.handle_input(&mut buf).unwrap();
        assert!(!hs.is_done());
        assert_eq!(buf.len(), 2000);
    }
}
