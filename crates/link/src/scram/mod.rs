//! SCRAM-style mutual authentication for cascade clients.
//!
//! The secret never crosses the wire. The server stores a [`Verifier`]:
//! salt, iterations, `StoredKey = H(ClientKey)` and `ServerKey`, where
//! `SaltedSecret = PBKDF2(secret, salt, iterations)`,
//! `ClientKey = HMAC(SaltedSecret, "Client Key")` and
//! `ServerKey = HMAC(SaltedSecret, "Server Key")`. The client proves
//! knowledge of `ClientKey` with `ClientKey XOR HMAC(StoredKey, AuthMessage)`
//! and the server proves knowledge of `ServerKey` with
//! `HMAC(ServerKey, AuthMessage)`. `AuthMessage` binds the name, both
//! nonces, the salt, the iterations and an optional channel binding (a TLS
//! exporter value supplied by the transport), so a proof is good for one
//! exchange on one connection only.
//!
//! Knowing the verifier is not enough to log in: `StoredKey` is a hash of
//! `ClientKey`, and the proof needs `ClientKey` itself.
//!
//! Nonces and salts come from the caller (the transport's random source);
//! this module has no randomness of its own.

mod pbkdf2;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::frame::auth::KEY_LEN;
use crate::frame::{Challenge, Hello, Proof, Register, Welcome, PROTOCOL_VERSION};

pub use pbkdf2::pbkdf2_sha256;

/// Iterations used for new verifiers unless configured otherwise.
pub const DEFAULT_ITERATIONS: u32 = 4096;
/// The fewest iterations a client accepts from a server or registers.
pub const MIN_ITERATIONS: u32 = 4096;
/// The most iterations a client accepts (bounds the work a server can ask).
pub const MAX_ITERATIONS: u32 = 10_000_000;

type HmacSha256 = Hmac<Sha256>;
type Key = [u8; KEY_LEN];

/// Why an exchange failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("wrong secret: the client's proof does not match the stored verifier")]
    WrongSecret,
    #[error("the server's signature is wrong: it does not know this client's secret")]
    BadServerSignature,
    #[error("{iterations} iterations is outside {MIN_ITERATIONS}..={MAX_ITERATIONS}")]
    IterationsOutOfRange { iterations: u32 },
    #[error("a welcome arrived before the challenge was answered")]
    WelcomeBeforeProof,
}

/// What the server stores for a client: enough to check a proof and sign,
/// not enough to recover the secret or to log in.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub salt: Bytes,
    pub iterations: u32,
    pub stored_key: Key,
    pub server_key: Key,
}

impl Verifier {
    /// Derives the verifier of `secret` (on the client, or by an operator).
    pub fn derive(secret: &[u8], salt: Bytes, iterations: u32) -> Self {
        let keys = Keys::derive(secret, &salt, iterations);
        Self {
            salt,
            iterations,
            stored_key: keys.stored_key,
            server_key: keys.server_key,
        }
    }

    /// The verifier a client sent when registering.
    pub fn from_register(register: &Register) -> Self {
        Self {
            salt: register.salt.clone(),
            iterations: register.iterations,
            stored_key: register.stored_key,
            server_key: register.server_key,
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("salt_len", &self.salt.len())
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

struct Keys {
    client_key: Key,
    stored_key: Key,
    server_key: Key,
}

impl Keys {
    fn derive(secret: &[u8], salt: &[u8], iterations: u32) -> Self {
        let mut salted = [0u8; KEY_LEN];
        pbkdf2_sha256(secret, salt, iterations, &mut salted);
        let client_key = hmac(&salted, &[b"Client Key"]);
        Self {
            client_key,
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, &[b"Server Key"]),
        }
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Key {
    // HMAC accepts keys of any length; the fallback is never taken.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return [0; KEY_LEN];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The bytes both sides sign: every field length-prefixed, so no two
/// different exchanges produce the same message.
fn auth_message(hello: &Hello, challenge: &Challenge, binding: &[u8]) -> Vec<u8> {
    let fields: [&[u8]; 6] = [
        hello.name.as_bytes(),
        &hello.nonce,
        &challenge.nonce,
        &challenge.salt,
        &challenge.iterations.to_be_bytes(),
        binding,
    ];
    let mut out = b"synctv-cascade/1 auth".to_vec();
    out.extend_from_slice(&hello.version.to_be_bytes());
    for field in fields {
        let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

fn xor(a: &Key, b: &Key) -> Key {
    let mut out = *a;
    out.iter_mut().zip(b).for_each(|(o, b)| *o ^= b);
    out
}

/// The client's side of one exchange.
pub struct ClientExchange {
    hello: Hello,
    secret: Vec<u8>,
    binding: Bytes,
    expected_signature: Option<Key>,
}

impl ClientExchange {
    /// Starts an exchange for `name` with a fresh `nonce`; `binding` is the
    /// transport's channel binding value (empty when there is none).
    pub fn new(name: &str, secret: &[u8], nonce: Bytes, binding: Bytes) -> Self {
        Self {
            hello: Hello {
                version: PROTOCOL_VERSION,
                name: name.to_owned(),
                nonce,
            },
            secret: secret.to_vec(),
            binding,
            expected_signature: None,
        }
    }

    /// The first frame to send.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The verifier material to send when the server asks to register,
    /// derived here so the secret stays on the client.
    pub fn register(&self, salt: Bytes, iterations: u32) -> Result<Register, AuthError> {
        check_iterations(iterations)?;
        let v = Verifier::derive(&self.secret, salt, iterations);
        Ok(Register {
            salt: v.salt,
            iterations: v.iterations,
            stored_key: v.stored_key,
            server_key: v.server_key,
        })
    }

    /// Answers the server's challenge with a proof.
    pub fn handle_challenge(&mut self, challenge: &Challenge) -> Result<Proof, AuthError> {
        check_iterations(challenge.iterations)?;
        let keys = Keys::derive(&self.secret, &challenge.salt, challenge.iterations);
        let message = auth_message(&self.hello, challenge, &self.binding);
        let client_signature = hmac(&keys.stored_key, &[&message]);
        self.expected_signature = Some(hmac(&keys.server_key, &[&message]));
        Ok(Proof {
            proof: xor(&keys.client_key, &client_signature),
        })
    }

    /// Checks the server's signature: only a server holding this client's
    /// verifier can produce it.
    pub fn handle_welcome(&self, welcome: &Welcome) -> Result<(), AuthError> {
        let expected = self
            .expected_signature
            .ok_or(AuthError::WelcomeBeforeProof)?;
        if bool::from(expected.ct_eq(&welcome.signature)) {
            Ok(())
        } else {
            Err(AuthError::BadServerSignature)
        }
    }
}

impl std::fmt::Debug for ClientExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientExchange")
            .field("name", &self.hello.name)
            .finish_non_exhaustive()
    }
}

fn check_iterations(iterations: u32) -> Result<(), AuthError> {
    if (MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        Ok(())
    } else {
        Err(AuthError::IterationsOutOfRange { iterations })
    }
}

/// The server's side of one exchange.
#[derive(Debug)]
pub struct ServerExchange {
    verifier: Verifier,
    message: Vec<u8>,
}

impl ServerExchange {
    /// Starts an exchange for a client's `hello` with the stored
    /// `verifier` and a fresh server `nonce`; returns the challenge to send.
    pub fn new(
        verifier: Verifier,
        hello: &Hello,
        nonce: Bytes,
        binding: &[u8],
    ) -> (Self, Challenge) {
        let challenge = Challenge {
            nonce,
            salt: verifier.salt.clone(),
            iterations: verifier.iterations,
        };
        let message = auth_message(hello, &challenge, binding);
        (Self { verifier, message }, challenge)
    }

    /// Checks the client's proof; on success returns the server signature
    /// to send in the welcome.
    pub fn verify(&self, proof: &Proof) -> Result<Key, AuthError> {
        let client_signature = hmac(&self.verifier.stored_key, &[&self.message]);
        let client_key = xor(&proof.proof, &client_signature);
        let stored: Key = Sha256::digest(client_key).into();
        if !bool::from(stored.ct_eq(&self.verifier.stored_key)) {
            return Err(AuthError::WrongSecret);
        }
        Ok(hmac(&self.verifier.server_key, &[&self.message]))
    }
}

#[cfg(test)]
mod tests;
