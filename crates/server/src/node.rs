//! This process as a cluster node: the cluster seams (in process when
//! standalone, on Redis with `redis_url`) and the heartbeat that keeps
//! `node:{id}` alive with this node's load.

use std::sync::{Arc, OnceLock};

use cluster::{Cluster, ClusterConfig, NodeInfo, NodeLoad, TaskGuard};
use live::Live;

use crate::cluster_live::{self, ClusterLive};
use crate::config::Config;
use crate::run::{secs, RunError};

/// How often this node drops the ids of leases gone (expired with their
/// node) from `active_streams` and `room_writers`.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The cluster seams and the task that announces this node.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) cluster: Cluster,
    heartbeat: TaskGuard,
    /// Prunes the sets of leased resources (cluster mode only).
    _pruning: Option<TaskGuard>,
    /// Live streams across replicas (cluster mode only).
    live: Option<ClusterLive>,
    /// The API's state once it exists: its audience is part of the load.
    api: Arc<OnceLock<api::AppState>>,
}

impl Node {
    /// Connects the seams (failing at once if Redis cannot be reached) and
    /// starts announcing this node; in cluster mode, installs the relay
    /// into `live`. `http` and `rtmp` are the bound listeners' addresses,
    /// used when nothing is advertised.
    pub(crate) async fn start(
        config: &Config,
        http: std::net::SocketAddr,
        rtmp: std::net::SocketAddr,
        live: Arc<Live>,
    ) -> Result<Node, RunError> {
        let cluster = Cluster::connect(cluster_config(config)).await?;
        let cluster_live = ClusterLive::start(config, &cluster, &live)?;
        let relay = cluster_live.as_ref().map(|c| c.relay.clone());
        let advertised = config.cluster.advertised(http, rtmp).map_or_else(
            |_| (http.to_string(), rtmp.to_string()),
            |a| (a.http, a.rtmp),
        );
        let info = NodeInfo {
            id: config.cluster.node_id.clone(),
            http_addr: advertised.0,
            rtmp_addr: advertised.1,
            started_at: cluster::unix_ms(),
            load: NodeLoad::default(),
        };
        let timing = cluster.config.timing;
        let api = Arc::new(OnceLock::new());
        let api_of_load = api.clone();
        let metrics = cluster.metrics.clone();
        if relay.is_some() {
            // Pulls feeding local hubs, as of the last heartbeat.
            metrics.pulls_in.wire();
        }
        let heartbeat = cluster::spawn_heartbeat(
            cluster.nodes.clone(),
            info,
            move || {
                let load = load(&live, relay.as_ref(), api_of_load.get());
                if relay.is_some() {
                    metrics.pulls_in.set(u64::from(load.pulls));
                }
                load
            },
            timing.refresh_every,
            timing.ttl,
        );
        let pruning = config
            .redis_url
            .is_some()
            .then(|| cluster::spawn_set_pruning(&cluster, PRUNE_EVERY));
        Ok(Node {
            cluster,
            heartbeat,
            _pruning: pruning,
            live: cluster_live,
            api,
        })
    }

    /// Gives the API this node's cluster (node list, readiness, figures)
    /// and counts the API's audience (room members, HLS viewers) in the
    /// load this node announces.
    pub(crate) fn attach(&self, state: api::AppState) -> api::AppState {
        let state = state.with_cluster(self.cluster.clone());
        let _ = self.api.set(state.clone());
        state
    }
}

impl Node {
    /// The relay of this replica (cluster mode only).
    pub(crate) fn relay(&self) -> Option<relay::Relay> {
        self.live.as_ref().map(|l| l.relay.clone())
    }

    /// Stops the heartbeat and removes this node's record, so the others
    /// see it gone at once rather than when its key expires.
    pub(crate) async fn leave(self) {
        drop(self.live);
        drop(self.heartbeat);
        let id = &self.cluster.config.node_id;
        let withdrawn = self.cluster.nodes.withdraw(id);
        match tokio::time::timeout(std::time::Duration::from_secs(2), withdrawn).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not withdraw this node"),
            Err(_) => tracing::warn!("withdrawing this node took too long"),
        }
    }
}

fn cluster_config(config: &Config) -> ClusterConfig {
    let mut cluster = ClusterConfig::new(config.cluster.node_id.clone());
    cluster.key_prefix = config.cluster.key_prefix.clone();
    cluster.redis_url = config.redis_url.clone();
    cluster.streams_ttl = secs(config.cluster.streams_ttl_secs);
    cluster.epoch_ttl = secs(config.cluster.epoch_ttl_secs);
    cluster
}

/// What this node carries now, as the other replicas see it: streams with
/// a hub here, FLV and RTMP players, HLS clients of the last 30 s and room
/// members connected here; streams owned and pulls from the relay in
/// cluster mode (every local stream standalone).
fn load(live: &Live, relay: Option<&relay::Relay>, api: Option<&api::AppState>) -> NodeLoad {
    let audience = api.map(api::AppState::audience).unwrap_or_default();
    NodeLoad {
        flv_viewers: clamp(live.viewers.flv()),
        rtmp_viewers: clamp(live.viewers.rtmp()),
        hls_viewers: clamp(audience.hls_viewers),
        room_members: clamp(audience.room_members),
        ..cluster_live::load(live, relay)
    }
}

fn clamp(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
