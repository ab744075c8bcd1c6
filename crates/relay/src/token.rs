//! Relay tokens: what proves that a play or an HLS request comes from
//! another replica. `HMAC-SHA256(secret, purpose|node|stream|expiry)`, so a
//! token names the stream and expires; the secret never leaves a replica.
//! Pure: time (Unix seconds) is a parameter.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::RelayError;

type HmacSha256 = Hmac<Sha256>;

/// How long a token is valid after it is made.
const VALID_SECS: u64 = 60;
/// A token whose expiry lies further ahead than this was not made by us.
const MAX_AHEAD_SECS: u64 = 300;

const NODE_PARAM: &str = "relay_node=";
const EXP_PARAM: &str = "relay_exp=";
const SIG_PARAM: &str = "relay_sig=";

/// What a token is for: a token for one cannot be used for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Play,
    Hls,
    Publisher,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Play => "rtmp-play",
            Purpose::Hls => "hls",
            Purpose::Publisher => "publisher",
        }
    }
}

/// Makes and checks relay tokens with the cluster's shared secret.
#[derive(Clone)]
pub struct Signer {
    keyed: HmacSha256,
}

impl Signer {
    /// A signer with the cluster's secret (which must not be empty).
    pub fn new(secret: &[u8]) -> Result<Signer, RelayError> {
        if secret.is_empty() {
            return Err(RelayError::NoSecret);
        }
        let keyed = HmacSha256::new_from_slice(secret).map_err(|_| RelayError::NoSecret)?;
        Ok(Signer { keyed })
    }

    /// The query a pull by `node` of `stream` adds to its play URL.
    pub fn play_query(&self, node: &str, stream: &str, now_secs: u64) -> String {
        let exp = now_secs + VALID_SECS;
        let sig = self.sign(Purpose::Play, node, stream, exp);
        format!("{NODE_PARAM}{node}&{EXP_PARAM}{exp}&{SIG_PARAM}{sig}")
    }

    /// Whether a play query carries a valid token for `stream`.
    pub fn verify_play(&self, stream: &str, query: &str, now_secs: u64) -> bool {
        let param = |prefix: &str| query.split('&').find_map(|p| p.strip_prefix(prefix));
        match (param(NODE_PARAM), param(EXP_PARAM), param(SIG_PARAM)) {
            (Some(node), Some(exp), Some(sig)) => {
                self.verify(Purpose::Play, node, stream, exp, sig, now_secs)
            }
            _ => false,
        }
    }

    /// The relay header value an HLS fetch by `node` of `stream` carries.
    pub fn hls_header(&self, node: &str, stream: &str, now_secs: u64) -> String {
        let exp = now_secs + VALID_SECS;
        let sig = self.sign(Purpose::Hls, node, stream, exp);
        format!("{node} {exp} {sig}")
    }

    /// Whether a relay header value is a valid token for `stream`.
    pub fn verify_hls(&self, stream: &str, header: &str, now_secs: u64) -> bool {
        let mut parts = header.split(' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(node), Some(exp), Some(sig), None) => {
                self.verify(Purpose::Hls, node, stream, exp, sig, now_secs)
            }
            _ => false,
        }
    }

    /// The lease token of a publisher: the same stream key gives the same
    /// token on every replica (so it takes its stream over), and the key
    /// itself is not written to Redis.
    pub fn publisher_token(&self, stream: &str, key: &str) -> String {
        let mut token = self.sign(Purpose::Publisher, key, stream, 0);
        token.truncate(32);
        token
    }

    fn verify(
        &self,
        purpose: Purpose,
        node: &str,
        stream: &str,
        exp: &str,
        sig: &str,
        now_secs: u64,
    ) -> bool {
        let Ok(exp) = exp.parse::<u64>() else {
            return false;
        };
        if exp < now_secs || exp > now_secs + MAX_AHEAD_SECS {
            return false;
        }
        let Some(sig) = from_hex(sig) else {
            return false;
        };
        self.mac(purpose, node, stream, exp)
            .verify_slice(&sig)
            .is_ok()
    }

    fn sign(&self, purpose: Purpose, node: &str, stream: &str, exp: u64) -> String {
        to_hex(&self.mac(purpose, node, stream, exp).finalize().into_bytes())
    }

    fn mac(&self, purpose: Purpose, node: &str, stream: &str, exp: u64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        for part in [purpose.label(), node, stream, &exp.to_string()] {
            mac.update(part.as_bytes());
            mac.update(b"|");
        }
        mac
    }
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn signer() -> Signer {
        Signer::new(b"0123456789abcdef").unwrap()
    }

    #[test]
    fn an_empty_secret_is_refused() {
        assert!(Signer::new(b"").is_err());
    }

    #[test]
    fn a_play_token_is_valid_for_its_stream_until_it_expires() {
        let signer = signer();
        let query = signer.play_query("node-a", "show", NOW);
        let played = format!("{query}&synctv_relay=1");
        assert!(signer.verify_play("show", &played, NOW));
        assert!(signer.verify_play("show", &played, NOW + VALID_SECS));
        assert!(!signer.verify_play("show", &played, NOW + VALID_SECS + 1));
        assert!(!signer.verify_play("other", &played, NOW));
    }

    #[test]
    fn a_forged_or_absent_play_token_is_refused() {
        let signer = signer();
        let outsider = Signer::new(b"not-the-cluster-secret").unwrap();
        let forged = outsider.play_query("node-a", "show", NOW);
        assert!(!signer.verify_play("show", &forged, NOW));
        assert!(!signer.verify_play("show", "synctv_relay=1", NOW));
        let good = signer.play_query("node-a", "show", NOW);
        let tampered = good.replace("node-a", "node-b");
        assert!(!signer.verify_play("show", &tampered, NOW));
        let far = signer.play_query("node-a", "show", NOW + 3600);
        assert!(
            !signer.verify_play("show", &far, NOW),
            "expiry too far ahead"
        );
        assert!(!signer.verify_play("show", "relay_node=a&relay_exp=x&relay_sig=zz", NOW));
    }

    #[test]
    fn tokens_for_one_purpose_do_not_serve_another() {
        let signer = signer();
        let header = signer.hls_header("node-a", "show", NOW);
        assert!(signer.verify_hls("show", &header, NOW));
        assert!(!signer.verify_hls("other", &header, NOW));
        let mut parts = header.split(' ');
        let (node, exp, sig) = (parts.next(), parts.next(), parts.next());
        let as_play = format!(
            "relay_node={}&relay_exp={}&relay_sig={}",
            node.unwrap_or_default(),
            exp.unwrap_or_default(),
            sig.unwrap_or_default()
        );
        assert!(!signer.verify_play("show", &as_play, NOW));
    }

    #[test]
    fn a_publisher_token_depends_on_key_and_stream_only() {
        let a = signer();
        let same = a.publisher_token("show", "k1");
        assert_eq!(same, a.publisher_token("show", "k1"));
        assert_ne!(same, a.publisher_token("show", "k2"));
        assert_ne!(same, a.publisher_token("other", "k1"));
        assert!(!same.contains("k1"));
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(
            from_hex(&to_hex(&[0, 0x7f, 0xff])),
            Some(vec![0, 0x7f, 0xff])
        );
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
