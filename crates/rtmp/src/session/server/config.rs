use std::time::Duration;

use crate::chunk::{DecoderLimits, DEFAULT_OUTGOING_CHUNK_SIZE};

/// How a [`super::ServerSession`] behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Outgoing chunk size, announced on connect (default 4096).
    pub chunk_size: u32,
    /// Window Acknowledgement Size asked of the client (default 2.5 MB).
    pub window_ack_size: u32,
    /// Set Peer Bandwidth sent to the client (default 2.5 MB, dynamic).
    pub peer_bandwidth: u32,
    /// Bounds on incoming chunks and messages.
    pub limits: DecoderLimits,
    /// Most message streams (createStream) per connection (default 8).
    pub max_message_streams: usize,
    /// Time allowed from connection to the end of the handshake (default 10 s).
    pub handshake_timeout: Duration,
    /// Time without any received byte after which a connection that is not
    /// playing is closed (default 30 s). Players may legitimately stay
    /// silent, so the glue judges them by their write progress instead.
    pub idle_timeout: Option<Duration>,
    /// Seed for handshake filler bytes.
    pub seed: u64,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            chunk_size: DEFAULT_OUTGOING_CHUNK_SIZE,
            window_ack_size: 2_500_000,
            peer_bandwidth: 2_500_000,
            limits: DecoderLimits::default(),
            max_message_streams: 8,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(30)),
            seed: 0x5eed,
        }
    }
}
