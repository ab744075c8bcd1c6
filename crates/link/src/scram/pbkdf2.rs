//! PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) over the `hmac` and `sha2` crates.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Fills `out` with PBKDF2-HMAC-SHA256(`password`, `salt`, `iterations`).
/// `iterations` of 0 is treated as 1.
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(prf) = HmacSha256::new_from_slice(password) else {
        return;
    };
    for (index, block) in out.chunks_mut(32).enumerate() {
        let counter = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let mut mac = prf.clone();
        mac.update(salt);
        mac.update(&counter.to_be_bytes());
        let mut u: [u8; 32] = mac.finalize().into_bytes().into();
        let mut acc = u;
        for _ in 1..iterations.max(1) {
            let mut mac = prf.clone();
            mac.update(&u);
            u = mac.finalize().into_bytes().into();
            acc.iter_mut().zip(u).for_each(|(a, b)| *a ^= b);
        }
        block.copy_from_slice(&acc[..block.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn derive(password: &[u8], salt: &[u8], iterations: u32, len: usize) -> String {
        let mut out = vec![0u8; len];
        pbkdf2_sha256(password, salt, iterations, &mut out);
        hex(&out)
    }

    // RFC 7914 §11, the PBKDF2-HMAC-SHA256 test vectors.
    #[test]
    fn matches_rfc_7914_one_iteration() {
        assert_eq!(
            derive(b"passwd", b"salt", 1, 64),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
    }

    #[test]
    fn matches_rfc_7914_eighty_thousand_iterations() {
        assert_eq!(
            derive(b"Password", b"NaCl", 80_000, 64),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56\
             a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"
        );
    }

    // The RFC 6070 inputs, published for SHA-256 alongside it.
    #[test]
    fn matches_published_vector_at_4096_iterations() {
        assert_eq!(
            derive(b"password", b"salt", 4096, 32),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"
        );
    }
}
