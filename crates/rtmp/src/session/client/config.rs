use std::time::Duration;

use crate::chunk::{DecoderLimits, DEFAULT_OUTGOING_CHUNK_SIZE};

/// How a [`super::ClientSession`] connects.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The application to connect to (`live`).
    pub app: String,
    /// The URL sent as tcUrl (`rtmp://host:1935/live`).
    pub tc_url: String,
    /// Outgoing chunk size, announced after the handshake (default 4096).
    pub chunk_size: u32,
    /// Bounds on incoming chunks and messages.
    pub limits: DecoderLimits,
    /// Buffer length announced to the server when playing (default 1 s).
    pub buffer_length_ms: u32,
    /// Time allowed from connection to the end of the handshake (default 10 s).
    pub handshake_timeout: Duration,
    /// Seed for handshake filler bytes.
    pub seed: u64,
}

impl ClientConfig {
    /// A configuration for `app` at `tc_url` with defaults for the rest.
    pub fn new(app: &str, tc_url: &str) -> ClientConfig {
        ClientConfig {
            app: app.to_owned(),
            tc_url: tc_url.to_owned(),
            chunk_size: DEFAULT_OUTGOING_CHUNK_SIZE,
            limits: DecoderLimits::default(),
            buffer_length_ms: 1000,
            handshake_timeout: Duration::from_secs(10),
            seed: 0xc11e,
        }
    }
}
