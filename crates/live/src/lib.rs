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
//! stream a key feeds. Playing stream S: `/flv/S.flv` (the whole socket,
//! handed over by the HTTP listener when it is a connection's first
//! request, else a response body, [`play_flv`]), `/hls/S/index.m3u8`
//! (served by the API from the store), `rtmp://HOST/live/S`. HTTP-FLV and
//! RTMP players share one viewer loop (attach to the stream actor once
//! caught up, resume from the ring when handed back); only the packet
//! encoding, what else wakes the loop and where its bytes go differ.
//!
//! Pulling: [`pull`] plays a remote `rtmp://…` stream with the sans-IO
//! `rtmp::ClientSession` and publishes it into the local hub, one task per
//! pull, until the remote ends, a local publisher takes over, or it is
//! stopped ([`PullEnd`]). Its play request carries [`RELAY_PARAM`], and a
//! player that carries it is served as a relay: not counted as a viewer.
//!
//! Replicas: in a cluster, [`Replicas`] (installed once with
//! [`Live::set_replicas`]) claims a stream before its publish is accepted,
//! starts a pull when a viewer asks for a stream another replica owns,
//! authenticates relay plays and fetches HLS from the owner. Only set-up
//! asks it anything; standalone, nothing is installed.
//!
//! Viewers: a [`ViewerHook`] (installed once with [`Live::set_viewer_hook`])
//! may refuse a viewer after its play token passed, and is told when an
//! HTTP-FLV or RTMP player with `viewer=` in its URL starts and stops.

mod counters;
mod direct;
mod flv_body;
mod flv_http;
mod flv_viewer;
mod hls_store;
mod keys;
mod pull;
mod replicas;
mod request;
mod rtmp_conn;
mod rtmp_listener;
mod segment_sink;
mod viewer;
mod viewer_hook;
mod viewer_sink;
mod writer;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use counters::ViewerCounts;
pub use flv_body::{play_flv, FlvBody, FlvBodyError, FlvRequest};
pub use flv_http::{serve_flv, FLV_PATH_PREFIX};
pub use flv_viewer::FlvRefusal;
pub use hls_store::HlsStore;
use hub::{Hub, HubConfig};
pub use keys::{play_token, split_play_token, BoxFuture, StaticKeys, StreamKeys};
pub use pull::{is_relay, pull, PullConfig, PullEnd, PullError, Puller, RELAY_PARAM};
pub use replicas::{Ownership, Refusal, RemoteHls, Replicas, RELAY_HEADER};
pub use request::is_stream_name;
pub use rtmp_listener::serve_rtmp;
pub use segment_sink::{FinishedSegment, SegmentSink};
pub use viewer_hook::{viewer_param, Attached, PlayRefusal, ViewerHook};

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
    /// `TCP_NODELAY` on viewer sockets: each batch leaves at once (lowest
    /// delay). Off, the kernel may hold a small write until the previous
    /// one is acknowledged (Nagle), which merges segments for viewers that
    /// read in bursts: less CPU, more delay (see docs/benchmarks.md).
    pub viewer_nodelay: bool,
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
            viewer_nodelay: true,
        }
    }
}

/// Everything a connection task needs, shared.
pub struct Live {
    pub hub: Hub,
    pub keys: Arc<dyn StreamKeys>,
    pub hls: HlsStore,
    pub config: LiveConfig,
    replicas: OnceLock<Arc<dyn Replicas>>,
    /// HTTP-FLV and RTMP viewers playing here.
    pub viewers: ViewerCounts,
    /// Told about viewers (see [`ViewerHook`]), once installed.
    viewer_hook: OnceLock<Arc<dyn ViewerHook>>,
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
            replicas: OnceLock::new(),
            viewers: ViewerCounts::default(),
            viewer_hook: OnceLock::new(),
        })
    }

    /// Installs the cluster seam (once; a second call is ignored and
    /// returns false).
    pub fn set_replicas(&self, replicas: Arc<dyn Replicas>) -> bool {
        self.replicas.set(replicas).is_ok()
    }

    /// The cluster seam, if this process is one replica of several.
    pub fn replicas(&self) -> Option<&Arc<dyn Replicas>> {
        self.replicas.get()
    }
}

/// Sets a viewer's socket up once it plays: its kernel send buffer is
/// capped, so a viewer that stops reading is noticed (its writes block)
/// and holds bounded kernel memory, and `TCP_NODELAY` is as configured.
pub fn tune_viewer_socket<S: std::os::fd::AsFd>(socket: &S, config: &LiveConfig) {
    let socket = socket2::SockRef::from(socket);
    if config.viewer_send_buffer > 0 {
        if let Err(e) = socket.set_send_buffer_size(config.viewer_send_buffer) {
            tracing::debug!("cannot set a viewer's send buffer: {e}");
        }
    }
    if let Err(e) = socket.set_tcp_nodelay(config.viewer_nodelay) {
        tracing::debug!("cannot set a viewer's TCP_NODELAY: {e}");
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
