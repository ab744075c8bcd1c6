//! The live engine's I/O: RTMP connections, HTTP-FLV viewers and HLS output.
//!
//! Layer: thin async glue (tokio). One task per connection owns its socket:
//! read, hand the bytes to the sans-IO `rtmp` session, drain its events and
//! output, and write; `select!` over the socket, the stream's subscription
//! and a timer. Streams themselves live in the `hub` actors; HLS is a hub
//! sink that runs the `hls` segmenter inside each stream actor and publishes
//! playlists and segments into the in-memory [`HlsStore`].
//!
//! Publishing: `rtmp://HOST/live/{key}`, where [`StreamKeys`] says which
//! stream a key feeds. Playing stream S: `/flv/S.flv` (handed over by the
//! HTTP listener), `/hls/S/index.m3u8` (served by the API from the store),
//! `rtmp://HOST/live/S`.

mod flv_http;
mod hls_store;
mod keys;
mod request;
mod rtmp_conn;
mod rtmp_listener;
mod writer;

use std::sync::Arc;
use std::time::Duration;

pub use flv_http::{serve_flv, FLV_PATH_PREFIX};
pub use hls_store::HlsStore;
use hub::{Hub, HubConfig};
pub use keys::{play_token, split_play_token, BoxFuture, StaticKeys, StreamKeys};
pub use request::is_stream_name;
pub use rtmp_listener::serve_rtmp;

/// The RTMP application name for publishing and playing.
pub const APP: &str = "live";

/// Tuning of the live engine's connections.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// How long a viewer who comes before the publisher is held.
    pub viewer_wait: Duration,
    /// A viewer whose socket takes nothing for this long is dropped.
    pub write_timeout: Duration,
    pub rtmp_chunk_size: usize,
    pub rtmp_max_message_bytes: usize,
    pub max_rtmp_connections: usize,
    pub handshake_timeout: Duration,
    /// A publisher silent for this long is dropped.
    pub idle_timeout: Duration,
    pub hls_target: Duration,
    pub hls_window: usize,
    /// Kernel send buffer of each viewer's socket (0: the kernel's own
    /// autotuning, which may grow to megabytes per stalled viewer).
    pub viewer_send_buffer: usize,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            viewer_wait: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            rtmp_chunk_size: 4096,
            rtmp_max_message_bytes: 8 * 1024 * 1024,
            max_rtmp_connections: 20_000,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            hls_target: Duration::from_secs(2),
            hls_window: 6,
            viewer_send_buffer: 1024 * 1024,
        }
    }
}

/// Everything a connection task needs, shared.
pub struct Live {
    pub hub: Hub,
    pub keys: Arc<dyn StreamKeys>,
    pub hls: HlsStore,
    pub config: LiveConfig,
}

impl Live {
    pub fn new(config: LiveConfig, hub_config: HubConfig, keys: Arc<dyn StreamKeys>) -> Arc<Live> {
        let hls = HlsStore::new();
        let hls_config = hls::HlsConfig {
            target_duration: config.hls_target,
            window: config.hls_window,
            ..hls::HlsConfig::default()
        };
        let sinks = hls_store::HlsSinks::new(hls.clone(), hls_config);
        let hub = Hub::new(hub_config, Some(Arc::new(sinks)));
        Arc::new(Live {
            hub,
            keys,
            hls,
            config,
        })
    }
}

/// Caps the kernel send buffer of a viewer's socket, so a viewer that stops
/// reading is noticed (its writes block) and holds bounded kernel memory.
pub fn limit_send_buffer<S: std::os::fd::AsFd>(socket: &S, bytes: usize) {
    if bytes == 0 {
        return;
    }
    if let Err(e) = socket2::SockRef::from(socket).set_send_buffer_size(bytes) {
        tracing::debug!("cannot set a viewer's send buffer: {e}");
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("hub", &self.hub)
            .field("config", &self.config)
            .finish()
    }
}
