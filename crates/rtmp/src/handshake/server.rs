use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

use super::digest::{self, Party, Scheme};
use super::{packet_from, HandshakeMode, PACKET_SIZE, RTMP_VERSION};
use crate::error::HandshakeError;
use crate::rng::Rng;

/// Version bytes of a digest S1; players verify S1 when the first is >= 3.
const SERVER_VERSION: [u8; 4] = [0x0d, 0x0e, 0x0a, 0x0d];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitC0C1,
    AwaitC2,
    Done,
}

/// The server side of the handshake: reads C0+C1, answers S0+S1+S2, reads C2.
#[derive(Debug)]
pub struct ServerHandshake {
    state: State,
    mode: Option<HandshakeMode>,
    rng: Rng,
    transmits: VecDeque<Bytes>,
}

impl ServerHandshake {
    /// A handshake whose filler bytes come from `seed`.
    pub fn new(seed: u64) -> ServerHandshake {
        ServerHandshake {
            state: State::AwaitC0C1,
            mode: None,
            rng: Rng::new(seed),
            transmits: VecDeque::new(),
        }
    }

    /// Consumes as much of the handshake from `input` as is complete.
    pub fn handle_input(&mut self, input: &mut BytesMut) -> Result<(), HandshakeError> {
        if self.state == State::AwaitC0C1 {
            let Some(&version) = input.first() else {
                return Ok(());
            };
            if version != RTMP_VERSION {
                return Err(HandshakeError::UnsupportedVersion(version));
            }
            if input.len() < 1 + PACKET_SIZE {
                return Ok(());
            }
            let c1 = packet_from(&input[1..=PACKET_SIZE]);
            input.advance(1 + PACKET_SIZE);
            self.answer(&c1);
            self.state = State::AwaitC2;
        }
        if self.state == State::AwaitC2 && input.len() >= PACKET_SIZE {
            // C2 is not checked: clients differ too much in what they echo.
            input.advance(PACKET_SIZE);
            self.state = State::Done;
        }
        Ok(())
    }

    /// The next bytes to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// C2 has been read; the chunk stream starts.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// How C1 was answered, once it was.
    pub fn mode(&self) -> Option<HandshakeMode> {
        self.mode
    }

    fn answer(&mut self, c1: &[u8; PACKET_SIZE]) {
        let mut s1 = Box::new([0u8; PACKET_SIZE]);
        self.rng.fill(&mut s1[8..]);
        let found = (c1[4..8] != [0; 4]).then(|| digest::find(c1, Party::Client));
        let s2 = match found.flatten() {
            Some((scheme, client_digest)) => {
                self.mode = Some(HandshakeMode::Digest);
                self.digest_s1_s2(&mut s1, scheme, &client_digest)
            }
            None => {
                self.mode = Some(HandshakeMode::Plain);
                Box::new(*c1)
            }
        };
        let mut out = Vec::with_capacity(1 + 2 * PACKET_SIZE);
        out.push(RTMP_VERSION);
        out.extend_from_slice(&s1[..]);
        out.extend_from_slice(&s2[..]);
        self.transmits.push_back(Bytes::from(out));
    }

    fn digest_s1_s2(
        &mut self,
        s1: &mut [u8; PACKET_SIZE],
        scheme: Scheme,
        client_digest: &[u8; digest::DIGEST_LEN],
    ) -> Box<[u8; PACKET_SIZE]> {
        s1[4..8].copy_from_slice(&SERVER_VERSION);
        digest::imprint(s1, scheme, Party::Server);
        let mut s2 = Box::new([0u8; PACKET_SIZE]);
        self.rng.fill(&mut s2[..]);
        digest::sign(&mut s2, client_digest, Party::Server);
        s2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_c0c1() -> BytesMut {
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&[RTMP_VERSION]);
        buf.extend_from_slice(&[0u8; 8]);
        buf.extend_from_slice(&[0x5a; PACKET_SIZE - 8]);
        buf
    }

    #[test]
    fn a_plain_c1_is_echoed_in_s2() {
        let mut hs = ServerHandshake::new(9);
        let mut buf = plain_c0c1();
        let c1 = buf[1..].to_vec();
        hs.handle_input(&mut buf).unwrap();
        let out = hs.poll_transmit().unwrap();
        assert_eq!(out.len(), 1 + 2 * PACKET_SIZE);
        assert_eq!(out[0], RTMP_VERSION);
        assert_eq!(&out[1 + PACKET_SIZE..], &c1[..]);
        assert_eq!(hs.mode(), Some(HandshakeMode::Plain));
        assert!(!hs.is_done());
    }

    #[test]
    fn partial_input_waits_and_consumes_nothing() {
        let mut hs = ServerHandshake::new(9);
        let mut buf = plain_c0c1();
        let mut head = buf.split_to(700);
        hs.handle_input(&mut head).unwrap();
        assert_eq!(head.len(), 700);
        assert!(hs.poll_transmit().is_none());
        head.unsplit(buf);
        hs.handle_input(&mut head).unwrap();
        assert!(head.is_empty());
        assert!(hs.poll_transmit().is_some());
    }

    #[test]
    fn encrypted_or_unknown_versions_are_refused() {
        let mut hs = ServerHandshake::new(9);
        let mut buf = BytesMut::from(&[6u8, 0, 0][..]);
        assert_eq!(
            hs.handle_input(&mut buf),
            Err(HandshakeError::UnsupportedVersion(6))
        );
    }

    #[test]
    fn a_digest_c1_gets_a_digest_s1_that_ffmpeg_style_checks_accept() {
        // Build C1 the way players do: version bytes, digest at the front.
        let mut c1 = Box::new([0u8; PACKET_SIZE]);
        Rng::new(5).fill(&mut c1[8..]);
        c1[4..8].copy_from_slice(&[9, 0, 124, 2]);
        let offset = digest::imprint(&mut c1, Scheme::Front, Party::Client);
        let client_digest: [u8; 32] = c1[offset..offset + 32].try_into().unwrap();
        let mut buf = BytesMut::from(&[RTMP_VERSION][..]);
        buf.extend_from_slice(&c1[..]);

        let mut hs = ServerHandshake::new(9);
        hs.handle_input(&mut buf).unwrap();
        let out = hs.poll_transmit().unwrap();
        let s1 = packet_from(&out[1..=PACKET_SIZE]);
        let s2 = packet_from(&out[1 + PACKET_SIZE..]);
        assert!(
            s1[4] >= 3,
            "players only verify when the version byte is >= 3"
        );
        assert!(digest::find(&s1, Party::Server).is_some());
        assert!(digest::verify(&s2, &client_digest, Party::Server));
    }
}
