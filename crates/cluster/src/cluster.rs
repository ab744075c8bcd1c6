//! One of each seam, in process or on Redis, chosen by the configuration.

use std::sync::Arc;
use std::time::Duration;

use redis::AsyncCommands;

use crate::bus::{MemoryBus, RoomBus};
use crate::commands::{CommandQueue, MemoryCommands};
use crate::config::{ClusterConfig, Keys};
use crate::error::ClusterError;
use crate::expiry::NodeExpiry;
use crate::lease::LeaseKind;
use crate::leases::{Leases, MemoryLeases};
use crate::metrics::ClusterMetrics;
use crate::node::{MemoryNodes, NodeRegistry};
use crate::redis_bus::RedisBus;
use crate::redis_commands::RedisCommands;
use crate::redis_leases::RedisLeases;
use crate::redis_link::RedisLink;
use crate::redis_nodes::RedisNodes;

/// The cluster seams a server wires in.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// What this node was configured with.
    pub config: ClusterConfig,
    /// Live nodes.
    pub nodes: Arc<dyn NodeRegistry>,
    /// Stream ownership (`stream:{room}`).
    pub streams: Arc<dyn Leases>,
    /// Room writers (`room:{id}:writer`).
    pub room_writers: Arc<dyn Leases>,
    /// Room events.
    pub bus: Arc<dyn RoomBus>,
    /// Commands forwarded to room writers.
    pub commands: Arc<dyn CommandQueue>,
    /// What the cluster's parts report for `/metrics`.
    pub metrics: Arc<ClusterMetrics>,
    /// The Redis link health checks ping (none in process).
    health: Option<RedisLink>,
}

impl Cluster {
    /// In-process seams (standalone); `config.redis_url` is ignored.
    pub fn memory(config: ClusterConfig) -> Self {
        let ttl = config.timing.ttl;
        let nodes = Arc::new(MemoryNodes::new());
        let streams = Arc::new(MemoryLeases::new(nodes.clone(), ttl));
        let writers = Arc::new(MemoryLeases::new(nodes.clone(), ttl));
        Self {
            bus: Arc::new(MemoryBus::new(writers.clone(), config.events_max_len)),
            commands: Arc::new(MemoryCommands::new(writers.clone())),
            nodes,
            streams,
            room_writers: writers,
            metrics: Arc::default(),
            health: None,
            config,
        }
    }

    /// Redis seams if `config.redis_url` is set (failing if Redis is not
    /// reachable now), in-process ones otherwise.
    pub async fn connect(config: ClusterConfig) -> Result<Self, ClusterError> {
        let Some(url) = config.redis_url.clone() else {
            return Ok(Self::memory(config));
        };
        let link = RedisLink::connect(&url, Keys::new(config.key_prefix.clone())).await?;
        let ttl = config.timing.ttl;
        // The registry notes how long this node's record lives; the keepers
        // of this node's leases give up before it can be gone.
        let expiry = Arc::new(NodeExpiry::new());
        let leases = |kind| {
            RedisLeases::new(link.clone(), kind, ttl)
                .with_node_expiry(expiry.clone())
                .with_epoch_ttl(config.epoch_ttl)
        };
        let writers = Arc::new(leases(LeaseKind::RoomWriter));
        let streams = leases(LeaseKind::Stream);
        let bus = RedisBus::new(
            link.clone(),
            &url,
            writers.clone(),
            config.events_max_len,
            config.retry_for,
        )
        .with_ttl(config.streams_ttl);
        let commands = RedisCommands::new(link.clone(), &url, writers.clone(), config.retry_for)
            .with_ttl(config.streams_ttl);
        Ok(Self {
            nodes: Arc::new(RedisNodes::with_expiry(link.clone(), expiry)),
            streams: Arc::new(streams),
            metrics: Arc::default(),
            health: Some(link),
            room_writers: writers,
            bus: Arc::new(bus),
            commands: Arc::new(commands),
            config,
        })
    }
}

impl Cluster {
    /// Whether this node runs with Redis (cluster mode).
    pub fn is_distributed(&self) -> bool {
        self.health.is_some()
    }

    /// Checks that Redis answers a `PING` within `within` (always fine in
    /// process). The link reconnects by itself, so a failed ping turns into
    /// a successful one once Redis is back, with nothing to reset.
    pub async fn ping(&self, within: Duration) -> Result<(), ClusterError> {
        let Some(link) = &self.health else {
            return Ok(());
        };
        let mut conn = link.conn.clone();
        let ping = async move { conn.ping::<String>().await };
        match tokio::time::timeout(within, ping).await {
            Ok(answer) => answer.map(drop).map_err(ClusterError::from),
            Err(_) => {
                crate::metrics::count_redis_error();
                Err(ClusterError::Timeout { what: "redis ping" })
            }
        }
    }
}
