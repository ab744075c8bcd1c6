//! This process as a cluster node: the cluster seams (in process when
//! standalone, on Redis with `redis_url`) and the heartbeat that keeps
//! `node:{id}` alive with this node's load.

use std::sync::{Arc, OnceLock};

use cluster::{Cluster, ClusterConfig, ClusterError, NodeInfo, NodeLoad, TaskGuard};
use live::Live;

use crate::config::Config;

/// The cluster seams and the task that announces this node.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) cluster: Cluster,
    heartbeat: TaskGuard,
    /// The API's state once it exists: its audience is part of the load.
    api: Arc<OnceLock<api::AppState>>,
}

impl Node {
    /// Connects the seams (failing at once if Redis cannot be reached) and
    /// starts announcing this node. `http` and `rtmp` are the bound
    /// listeners' addresses, used when nothing is advertised.
    pub(crate) async fn start(
        config: &Config,
        http: std::net::SocketAddr,
        rtmp: std::net::SocketAddr,
        live: Arc<Live>,
    ) -> Result<Node, ClusterError> {
        let cluster = Cluster::connect(cluster_config(config)).await?;
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
        let heartbeat = cluster::spawn_heartbeat(
            cluster.nodes.clone(),
            info,
            move || load(&live, api_of_load.get()),
            timing.refresh_every,
            timing.ttl,
        );
        Ok(Node {
            cluster,
            heartbeat,
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
    /// Stops the heartbeat and removes this node's record, so the others
    /// see it gone at once rather than when its key expires.
    pub(crate) async fn leave(self) {
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
    cluster
}

/// What this node carries now, as the other replicas see it: streams with
/// a hub here, FLV and RTMP players, HLS clients of the last 30 s and room
/// members connected here. `pulls` is filled by the relay that runs them.
fn load(live: &Live, api: Option<&api::AppState>) -> NodeLoad {
    let audience = api.map(api::AppState::audience).unwrap_or_default();
    NodeLoad {
        streams: clamp(live.hub.streams().len() as u64),
        flv_viewers: clamp(live.viewers.flv()),
        rtmp_viewers: clamp(live.viewers.rtmp()),
        hls_viewers: clamp(audience.hls_viewers),
        room_members: clamp(audience.room_members),
        ..NodeLoad::default()
    }
}

fn clamp(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
