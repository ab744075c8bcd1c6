//! The HMAC-SHA256 digests of the Flash-era ("complex") handshake.
//!
//! A 1536-byte C1 or S1 hides a 32-byte digest at an offset derived from four
//! bytes of the packet itself. Two layouts exist: the offset bytes sit at
//! 8..12 (digest somewhere in 12..772) or at 772..776 (digest in 776..1536).
//! The digest is the HMAC of the packet without those 32 bytes, keyed with
//! the open part of the sender's key. The answering C2 or S2 ends with the
//! HMAC of its first 1504 bytes, keyed with the HMAC of the peer's digest
//! under the sender's full key.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::PACKET_SIZE;

/// Length of a digest and of a signature.
pub(crate) const DIGEST_LEN: usize = 32;

/// The constant tail both parties append to their key's open part.
const KEY_TAIL: [u8; 32] = [
    0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
    0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];
const SERVER_OPEN: &[u8] = b"Genuine Adobe Flash Media Server 001";
const CLIENT_OPEN: &[u8] = b"Genuine Adobe Flash Player 001";

/// Whose key signs a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Party {
    Server,
    Client,
}

impl Party {
    fn open_key(self) -> &'static [u8] {
        match self {
            Party::Server => SERVER_OPEN,
            Party::Client => CLIENT_OPEN,
        }
    }

    fn full_key(self) -> Vec<u8> {
        let mut key = self.open_key().to_vec();
        key.extend_from_slice(&KEY_TAIL);
        key
    }
}

/// Where the digest of a packet lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Offset bytes at 8..12, digest within 12..772.
    Front,
    /// Offset bytes at 772..776, digest within 776..1536.
    Back,
}

impl Scheme {
    /// The offset of the digest in `packet` under this scheme. Always leaves
    /// room for the 32 digest bytes.
    pub(crate) fn digest_offset(self, packet: &[u8; PACKET_SIZE]) -> usize {
        let base = match self {
            Scheme::Front => 8,
            Scheme::Back => 772,
        };
        let sum: usize = packet[base..base + 4].iter().map(|&b| usize::from(b)).sum();
        sum % 728 + base + 4
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; DIGEST_LEN],
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The digest of `packet` with the 32 bytes at `offset` left out.
fn packet_digest(packet: &[u8; PACKET_SIZE], offset: usize, party: Party) -> [u8; DIGEST_LEN] {
    let (before, rest) = packet.split_at(offset);
    hmac(party.open_key(), &[before, &rest[DIGEST_LEN..]])
}

/// Writes `party`'s digest into `packet` under `scheme`; returns its offset.
pub(crate) fn imprint(packet: &mut [u8; PACKET_SIZE], scheme: Scheme, party: Party) -> usize {
    let offset = scheme.digest_offset(packet);
    let digest = packet_digest(packet, offset, party);
    packet[offset..offset + DIGEST_LEN].copy_from_slice(&digest);
    offset
}

/// Finds a valid digest signed by `party` in `packet`, trying both schemes.
pub(crate) fn find(packet: &[u8; PACKET_SIZE], party: Party) -> Option<(Scheme, [u8; DIGEST_LEN])> {
    [Scheme::Back, Scheme::Front]
        .into_iter()
        .find_map(|scheme| {
            let offset = scheme.digest_offset(packet);
            let stored = &packet[offset..offset + DIGEST_LEN];
            let digest = packet_digest(packet, offset, party);
            (digest[..] == *stored).then_some((scheme, digest))
        })
}

/// The signature `signer` puts at the end of its answer (C2 or S2) to a
/// packet that carried `peer_digest`.
pub(crate) fn signature(
    answer: &[u8; PACKET_SIZE],
    peer_digest: &[u8; DIGEST_LEN],
    signer: Party,
) -> [u8; DIGEST_LEN] {
    let key = hmac(&signer.full_key(), &[peer_digest]);
    hmac(&key, &[&answer[..PACKET_SIZE - DIGEST_LEN]])
}

/// Writes the signature into the last 32 bytes of `answer`.
pub(crate) fn sign(answer: &mut [u8; PACKET_SIZE], peer_digest: &[u8; DIGEST_LEN], signer: Party) {
    let sig = signature(answer, peer_digest, signer);
    answer[PACKET_SIZE - DIGEST_LEN..].copy_from_slice(&sig);
}

/// Whether `answer` ends with `signer`'s signature over `peer_digest`.
pub(crate) fn verify(
    answer: &[u8; PACKET_SIZE],
    peer_digest: &[u8; DIGEST_LEN],
    signer: Party,
) -> bool {
    signature(answer, peer_digest, signer)[..] == answer[PACKET_SIZE - DIGEST_LEN..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random_packet(seed: u64) -> Box<[u8; PACKET_SIZE]> {
        let mut packet = Box::new([0u8; PACKET_SIZE]);
        Rng::new(seed).fill(&mut packet[..]);
        packet
    }

    #[test]
    fn keys_have_their_published_lengths() {
        assert_eq!(Party::Server.open_key().len(), 36);
        assert_eq!(Party::Server.full_key().len(), 68);
        assert_eq!(Party::Client.open_key().len(), 30);
        assert_eq!(Party::Client.full_key().len(), 62);
    }

    #[test]
    fn offsets_stay_inside_their_half() {
        let mut packet = [0xffu8; PACKET_SIZE];
        assert_eq!(Scheme::Front.digest_offset(&packet), (4 * 255) % 728 + 12);
        assert!(Scheme::Back.digest_offset(&packet) + DIGEST_LEN <= PACKET_SIZE);
        packet[8..12].copy_from_slice(&[0, 0, 0, 0]);
        assert_eq!(Scheme::Front.digest_offset(&packet), 12);
        packet[772..776].copy_from_slice(&[200, 200, 200, 127]);
        assert_eq!(Scheme::Back.digest_offset(&packet), 727 + 776);
    }

    #[test]
    fn an_imprinted_digest_is_found_under_either_scheme() {
        for scheme in [Scheme::Front, Scheme::Back] {
            let mut packet = random_packet(1);
            imprint(&mut packet, scheme, Party::Client);
            let (found, _) = find(&packet, Party::Client).expect("digest");
            assert_eq!(found, scheme);
            assert!(find(&packet, Party::Server).is_none());
        }
    }

    #[test]
    fn random_bytes_carry_no_digest() {
        assert!(find(&random_packet(2), Party::Client).is_none());
    }

    #[test]
    fn signature_round_trips_and_detects_tampering() {
        let digest = [7u8; DIGEST_LEN];
        let mut answer = random_packet(3);
        sign(&mut answer, &digest, Party::Server);
        assert!(verify(&answer, &digest, Party::Server));
        assert!(!verify(&answer, &digest, Party::Client));
        answer[10] ^= 1;
        assert!(!verify(&answer, &digest, Party::Server));
    }

    /// HMAC-SHA256 test case 2 of RFC 4231, to pin the primitive itself.
    #[test]
    fn hmac_matches_rfc_4231() {
        let mac = hmac(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
