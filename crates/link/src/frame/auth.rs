//! Hello and the SCRAM-style exchange (see [`crate::scram`]).
//!
//! Client → server: [`Hello`], then [`Register`] (only after
//! [`RegisterNeeded`]), then [`Proof`]. Server → client: [`RegisterNeeded`]
//! or [`Challenge`], then [`Welcome`]; a refusal is an
//! [`ErrorFrame`](super::ErrorFrame) at any point.

use bytes::Bytes;

use super::buf::{Reader, Writer};
use super::FrameError;

/// Longest client name, in bytes.
pub const NAME_MAX: usize = 128;
/// Shortest nonce (from either side) and salt, in bytes.
pub const NONCE_MIN: usize = 16;
/// Length of a key, a proof and a signature (SHA-256).
pub const KEY_LEN: usize = 32;

/// The first frame of a client: who it is and its half of the nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub version: u16,
    pub name: String,
    pub nonce: Bytes,
}

impl Hello {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        let version = r.u16()?;
        let name = r.text("name", NAME_MAX)?;
        let nonce = r.short_bytes("client nonce", NONCE_MIN)?;
        Ok(Self {
            version,
            name,
            nonce,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.u16(self.version);
        w.text("name", &self.name, NAME_MAX)?;
        w.short_bytes("client nonce", &self.nonce, NONCE_MIN)
    }
}

/// The server's half of the nonce and the verifier's salt and iterations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub nonce: Bytes,
    pub salt: Bytes,
    pub iterations: u32,
}

impl Challenge {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        let nonce = r.short_bytes("server nonce", NONCE_MIN)?;
        let salt = r.short_bytes("salt", NONCE_MIN)?;
        let iterations = r.u32()?;
        Ok(Self {
            nonce,
            salt,
            iterations,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.short_bytes("server nonce", &self.nonce, NONCE_MIN)?;
        w.short_bytes("salt", &self.salt, NONCE_MIN)?;
        w.u32(self.iterations);
        Ok(())
    }
}

/// The server does not know the name and registers unknown clients: send
/// the verifier material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterNeeded;

impl RegisterNeeded {
    pub(super) fn read(_r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self)
    }

    pub(super) fn write(&self, _w: &mut Writer) -> Result<(), FrameError> {
        Ok(())
    }
}

/// Verifier material derived on the client; never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    pub salt: Bytes,
    pub iterations: u32,
    pub stored_key: [u8; KEY_LEN],
    pub server_key: [u8; KEY_LEN],
}

impl Register {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            salt: r.short_bytes("salt", NONCE_MIN)?,
            iterations: r.u32()?,
            stored_key: r.array()?,
            server_key: r.array()?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.short_bytes("salt", &self.salt, NONCE_MIN)?;
        w.u32(self.iterations);
        w.raw(&self.stored_key);
        w.raw(&self.server_key);
        Ok(())
    }
}

/// The client's proof: ClientKey XOR HMAC(StoredKey, AuthMessage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub proof: [u8; KEY_LEN],
}

impl Proof {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self { proof: r.array()? })
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.raw(&self.proof);
    }
}

/// The server accepts: its signature HMAC(ServerKey, AuthMessage) and the
/// heartbeat interval both sides keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub signature: [u8; KEY_LEN],
    pub heartbeat_ms: u32,
}

impl Welcome {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            signature: r.array()?,
            heartbeat_ms: r.u32()?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.raw(&self.signature);
        w.u32(self.heartbeat_ms);
    }
}
