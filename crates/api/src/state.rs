use std::sync::Arc;

use axum::extract::FromRef;
use cluster::{Cluster, ClusterConfig};
use live::Live;
use rooms::{PlayTokens, Rooms, RoomsConfig};
use store::Store;

use crate::audience::{Audience, AudienceCounts};
use crate::auth::now_ms;
use crate::client_addr::TrustedProxies;
use crate::rate::RateLimiter;

/// What every route can reach: the live engine, storage and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    pub live: Arc<Live>,
    pub store: Store,
    /// The running room actors.
    pub rooms: Rooms,
    pub(crate) auth_limiter: Arc<RateLimiter>,
    /// The RTMP port shown to streamers with the caller's host.
    pub(crate) rtmp_port: u16,
    /// `host[:port]` shown to streamers instead, when configured.
    pub(crate) public_rtmp_host: Option<String>,
    /// Play tokens for the streams of rooms with a password (none: streams
    /// are open, as with configured keys only).
    pub(crate) play_tokens: Option<PlayTokens>,
    /// The other replicas (in process when standalone).
    pub(crate) cluster: Cluster,
    /// Proxies whose forwarding headers name the client.
    pub(crate) trusted_proxies: TrustedProxies,
    /// Room members and HLS viewers connected here.
    pub(crate) audience: Arc<Audience>,
    /// What answers paths outside the API and the live engine (the web
    /// app); none: those get the API's JSON 404 too.
    pub(crate) site: Option<axum::Router>,
    /// Stages and viewer accounting (none: the stage routes answer 503).
    pub(crate) stages: Option<Arc<dyn stages::StageControl>>,
    /// Their figures for `/metrics`.
    pub(crate) stage_metrics: Option<Arc<stages::StageMetrics>>,
}

impl AppState {
    pub fn new(live: Arc<Live>, store: Store) -> AppState {
        AppState {
            live,
            rooms: Rooms::new(store.clone(), RoomsConfig::default()),
            store,
            // Login and register: bursts of 10, then one every 6 s per address.
            auth_limiter: Arc::new(RateLimiter::new(10, 6_000)),
            rtmp_port: 1935,
            public_rtmp_host: None,
            play_tokens: None,
            cluster: Cluster::memory(ClusterConfig::new("standalone")),
            trusted_proxies: TrustedProxies::default(),
            audience: Arc::default(),
            site: None,
            stages: None,
            stage_metrics: None,
        }
    }

    /// Stages of live rooms and their viewer accounting.
    pub fn with_stages(
        mut self,
        stages: Arc<dyn stages::StageControl>,
        metrics: Arc<stages::StageMetrics>,
    ) -> AppState {
        self.stages = Some(stages);
        self.stage_metrics = Some(metrics);
        self
    }

    /// The cluster this node belongs to: its registry lists the nodes,
    /// its Redis link decides readiness, its figures go to `/metrics`.
    pub fn with_cluster(mut self, cluster: Cluster) -> AppState {
        self.cluster = cluster;
        self
    }

    /// Believes `X-Forwarded-For` / `Forwarded` from these proxies only.
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> AppState {
        self.trusted_proxies = proxies;
        self
    }

    /// Serves `site` for every request no route took whose path is not
    /// under `/api`, `/flv` or `/hls` (those keep the JSON 404).
    pub fn with_site(mut self, site: axum::Router) -> AppState {
        self.site = Some(site);
        self
    }

    /// Room members and HLS viewers connected to this node now.
    pub fn audience(&self) -> AudienceCounts {
        self.audience.counts(now_ms())
    }

    /// Rooms run with `config` instead of the defaults.
    pub fn with_rooms(mut self, config: RoomsConfig) -> AppState {
        self.rooms = Rooms::new(self.store.clone(), config);
        self
    }

    /// The play tokens the live engine checks (see [`rooms::RoomStreamKeys`]).
    pub fn with_play_tokens(mut self, tokens: PlayTokens) -> AppState {
        self.play_tokens = Some(tokens);
        self
    }

    /// Where streamers publish: the RTMP listener's port, and the public
    /// `host[:port]` if the operator set one.
    pub fn with_rtmp(mut self, port: u16, public_host: Option<String>) -> AppState {
        self.rtmp_port = port;
        self.public_rtmp_host = public_host;
        self
    }
}

impl FromRef<AppState> for Arc<Live> {
    fn from_ref(state: &AppState) -> Arc<Live> {
        state.live.clone()
    }
}
