//! Random secrets: session tokens, stream keys and room ids.
//!
//! Session tokens are handed to the client once and stored only as their
//! SHA-256 ([`TokenHash`]). Stream keys are stored as they are, since
//! whoever may go live must be able to see the key again.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::StoreError;

/// Random bytes in a session token (256 bits).
const TOKEN_BYTES: usize = 32;
/// Random bytes in a stream key (128 bits).
const STREAM_KEY_BYTES: usize = 16;

/// A session token as the client holds it: 64 hex characters. Its `Debug`
/// hides the value so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh random token.
    pub fn generate() -> Result<Self, StoreError> {
        Ok(Self(hex(&random_bytes::<TOKEN_BYTES>()?)))
    }

    /// The token, to send to the client (once).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps of it.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// The SHA-256 of a session token: what `sessions.token_hash` holds and
/// what a presented token is looked up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a token as presented by a client (any string; a forged
    /// one simply matches nothing).
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A room's stream key: 32 hex characters, the last path segment of the
/// RTMP publish URL. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct StreamKey(String);

impl StreamKey {
    pub(crate) fn generate() -> Result<Self, StoreError> {
        Ok(Self(hex(&random_bytes::<STREAM_KEY_BYTES>()?)))
    }

    pub(crate) fn from_db(key: String) -> Self {
        Self(key)
    }

    /// The key, for those allowed to publish.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamKey(..)")
    }
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0; N];
    getrandom::getrandom(&mut bytes).map_err(StoreError::Random)?;
    Ok(bytes)
}

/// `len` random characters of `alphabet` (at most 256 symbols), without
/// modulo bias.
pub(crate) fn random_string(alphabet: &[u8], len: usize) -> Result<String, StoreError> {
    let symbols = alphabet.len().clamp(1, 256);
    // The largest multiple of `symbols` not above 256: bytes at or above
    // it are drawn again.
    let limit = 256 - 256 % symbols;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in random_bytes::<32>()? {
            let byte = usize::from(byte);
            if byte < limit && out.len() < len {
                out.push(char::from(alphabet[byte % symbols]));
            }
        }
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_sha256() {
        let a = SessionToken::generate().unwrap();
        let b = SessionToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 64);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.hash(), TokenHash::of(a.as_str()));
        assert_ne!(a.hash(), b.hash());
        let empty = TokenHash::of("");
        assert_eq!(hex(&empty.as_bytes()[..4]), "e3b0c442");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let token = SessionToken::generate().unwrap();
        assert!(!format!("{token:?}").contains(token.as_str()));
        let key = StreamKey::generate().unwrap();
        assert_eq!(key.as_str().len(), 32);
        assert!(!format!("{key:?}").contains(key.as_str()));
    }

    #[test]
    fn random_strings_use_only_the_alphabet() {
        let s = random_string(b"abc", 100).unwrap();
        assert_eq!(s.len(), 100);
        assert!(s.bytes().all(|c| b"abc".contains(&c)));
    }
}
