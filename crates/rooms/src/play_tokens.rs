//! Play tokens: what a viewer shows to watch the live stream of a room
//! with a password. A token names one room and an expiry, signed with a
//! site secret kept in the settings table (so every replica accepts the
//! tokens of the others): `{expires_at_ms}.{hex HMAC-SHA256}`. A token
//! bound to one replica (the stage a viewer was seated on) also names it,
//! signed: `{expires_at_ms}.{hex HMAC}.{hex node id}`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::{SessionToken, SettingRepo, Store, StoreError};

/// The settings key of the signing secret.
const SECRET_KEY: &str = "live.play_token_secret";

/// How long a token stays valid.
pub const TOKEN_TTL_MS: i64 = 24 * 3600 * 1000;

/// Issues and checks play tokens.
#[derive(Clone)]
pub struct PlayTokens {
    secret: Vec<u8>,
}

impl std::fmt::Debug for PlayTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlayTokens(..)")
    }
}

impl PlayTokens {
    /// The site's tokens: the stored secret, made on first start.
    pub async fn open(store: &Store, now_ms: i64) -> Result<PlayTokens, StoreError> {
        if let Some(secret) = store.setting(SECRET_KEY).await? {
            return Ok(PlayTokens::from_secret(secret.as_bytes()));
        }
        let fresh = SessionToken::generate()?;
        // Replicas starting at once: the first secret stored is every one's.
        let secret = store
            .setting_or_insert(SECRET_KEY, fresh.as_str(), now_ms)
            .await?;
        Ok(PlayTokens::from_secret(secret.as_bytes()))
    }

    pub(crate) fn from_secret(secret: &[u8]) -> PlayTokens {
        PlayTokens {
            secret: secret.to_vec(),
        }
    }

    /// A token for `stream` valid until `expires_at_ms`.
    pub fn issue(&self, stream: &str, expires_at_ms: i64) -> String {
        format!("{expires_at_ms}.{}", self.signature(stream, expires_at_ms))
    }

    /// A token for `stream` on replica `node` only, valid until
    /// `expires_at_ms` (see [`PlayTokens::bound_node`]).
    pub fn issue_on(&self, stream: &str, node: &str, expires_at_ms: i64) -> String {
        let mut mac = self.mac(stream, expires_at_ms);
        mac.update(b"\0node\0");
        mac.update(node.as_bytes());
        let signature: String = hex(&mac.finalize().into_bytes());
        format!("{expires_at_ms}.{signature}.{}", hex(node.as_bytes()))
    }

    /// The replica a token is bound to, as the token says (whether the
    /// token is genuine is [`PlayTokens::verify`]'s question).
    pub fn bound_node(token: &str) -> Option<String> {
        let (_, node) = token
            .rsplit_once('.')
            .filter(|_| token.matches('.').count() == 2)?;
        String::from_utf8(from_hex(node)?).ok()
    }

    /// Whether `token` lets its holder watch `stream` at `now_ms`.
    pub fn verify(&self, stream: &str, token: &str, now_ms: i64) -> bool {
        let Some((expires, rest)) = token.split_once('.') else {
            return false;
        };
        let (signature, node) = match rest.split_once('.') {
            Some((signature, node)) => (signature, Some(node)),
            None => (rest, None),
        };
        let Ok(expires_at_ms) = expires.parse::<i64>() else {
            return false;
        };
        if expires_at_ms < now_ms {
            return false;
        }
        let Some(signature) = from_hex(signature) else {
            return false;
        };
        let mut mac = self.mac(stream, expires_at_ms);
        if let Some(node) = node {
            let Some(node) = from_hex(node) else {
                return false;
            };
            mac.update(b"\0node\0");
            mac.update(&node);
        }
        mac.verify_slice(&signature).is_ok()
    }

    fn signature(&self, stream: &str, expires_at_ms: i64) -> String {
        hex(&self.mac(stream, expires_at_ms).finalize().into_bytes())
    }

    fn mac(&self, stream: &str, expires_at_ms: i64) -> Hmac<Sha256> {
        // HMAC takes keys of every length; the fallback is never used.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default()));
        mac.update(b"play\0");
        mac.update(stream.as_bytes());
        mac.update(b"\0");
        mac.update(&expires_at_ms.to_be_bytes());
        mac
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn a_token_opens_its_stream_until_it_expires() {
        let tokens = PlayTokens::from_secret(b"site secret");
        let token = tokens.issue("room1", NOW + 1000);
        assert!(tokens.verify("room1", &token, NOW));
        assert!(tokens.verify("room1", &token, NOW + 1000));
        assert!(!tokens.verify("room1", &token, NOW + 1001), "expired");
        assert!(!tokens.verify("room2", &token, NOW), "another room");
        let other_site = PlayTokens::from_secret(b"another secret");
        assert!(!other_site.verify("room1", &token, NOW));
    }

    #[test]
    fn a_token_bound_to_a_replica_names_it_and_the_name_is_signed() {
        let tokens = PlayTokens::from_secret(b"site secret");
        let token = tokens.issue_on("room1", "node-b", NOW + 1000);
        assert!(tokens.verify("room1", &token, NOW));
        assert_eq!(PlayTokens::bound_node(&token).as_deref(), Some("node-b"));
        let other = hex(b"node-a");
        let (head, _) = token.rsplit_once('.').unwrap();
        let moved = format!("{head}.{other}");
        assert_eq!(PlayTokens::bound_node(&moved).as_deref(), Some("node-a"));
        assert!(!tokens.verify("room1", &moved, NOW), "the node is signed");
        let unbound = tokens.issue("room1", NOW + 1000);
        assert_eq!(PlayTokens::bound_node(&unbound), None);
        assert!(!tokens.verify("room1", &format!("{token}.00"), NOW));
    }

    #[test]
    fn forged_or_garbled_tokens_are_refused() {
        let tokens = PlayTokens::from_secret(b"site secret");
        let token = tokens.issue("room1", NOW + 1000);
        let later = token.replacen(&(NOW + 1000).to_string(), &(NOW + 9999).to_string(), 1);
        assert!(!tokens.verify("room1", &later, NOW), "expiry is signed");
        for bad in ["", ".", "x.y", "1.zz", "1.abc", &format!("{}.", NOW + 5)] {
            assert!(!tokens.verify("room1", bad, NOW), "{bad:?}");
        }
    }
}
