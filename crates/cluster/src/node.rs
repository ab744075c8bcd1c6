//! Node registry: which replicas are alive, where they listen and how loaded
//! they are. A node refreshes its record every few seconds; a node whose
//! record expired is dead.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::clock::{unix_ms, TaskGuard};
use crate::error::ClusterError;
use crate::expiry::NodeExpiry;
use crate::liveness::Liveness;

/// What a node says about itself in `node:{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Unique node id.
    pub id: String,
    /// Where its HTTP port is reachable by the other replicas (`host:port`).
    pub http_addr: String,
    /// Where its RTMP port is reachable (`host:port`).
    pub rtmp_addr: String,
    /// When it started (ms since the Unix epoch).
    pub started_at: u64,
    /// Its current load.
    #[serde(default)]
    pub load: NodeLoad,
}

/// A node's load, refreshed with its record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeLoad {
    /// Live streams whose hub runs here (stream leases held).
    pub streams: u32,
    /// RTMP pulls from other replicas feeding local hubs.
    pub pulls: u32,
    /// HTTP-FLV viewers.
    pub flv_viewers: u32,
    /// RTMP play viewers.
    pub rtmp_viewers: u32,
    /// HLS viewers.
    pub hls_viewers: u32,
    /// Room members connected here (WebSocket or gRPC).
    pub room_members: u32,
}

/// Where nodes announce themselves and find each other.
#[async_trait]
pub trait NodeRegistry: Send + Sync + std::fmt::Debug {
    /// Writes (or refreshes) `info` with a TTL and adds its id to `nodes`.
    async fn announce(&self, info: &NodeInfo, ttl: Duration) -> Result<(), ClusterError>;
    /// Removes a node at once (graceful shutdown).
    async fn withdraw(&self, id: &str) -> Result<(), ClusterError>;
    /// Every node whose record has not expired, sorted by id; ids whose record
    /// expired are dropped from `nodes`.
    async fn live_nodes(&self) -> Result<Vec<NodeInfo>, ClusterError>;
    /// Whether `id`'s record has not expired.
    async fn is_alive(&self, id: &str) -> Result<bool, ClusterError>;
}

/// The in-process registry (standalone: usually just this node).
#[derive(Debug, Default)]
pub struct MemoryNodes {
    nodes: Mutex<HashMap<String, (NodeInfo, u64)>>,
    /// What the in-process leases' keepers go by.
    pub(crate) expiry: NodeExpiry,
}

impl MemoryNodes {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `id` is alive at `now_ms` (used by the in-process leases).
    pub fn alive_at(&self, id: &str, now_ms: u64) -> bool {
        let nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes.get(id).is_some_and(|(_, expires)| *expires > now_ms)
    }
}

#[async_trait]
impl NodeRegistry for MemoryNodes {
    async fn announce(&self, info: &NodeInfo, ttl: Duration) -> Result<(), ClusterError> {
        self.expiry
            .handle_announced(&info.id, tokio::time::Instant::now(), ttl);
        let expires = unix_ms().saturating_add(ttl.as_millis() as u64);
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes.insert(info.id.clone(), (info.clone(), expires));
        Ok(())
    }

    async fn withdraw(&self, id: &str) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes.remove(id);
        self.expiry
            .handle_withdrawn(id, tokio::time::Instant::now());
        Ok(())
    }

    async fn live_nodes(&self) -> Result<Vec<NodeInfo>, ClusterError> {
        let now = unix_ms();
        let mut nodes = self.nodes.lock().unwrap_or_else(|e| e.into_inner());
        nodes.retain(|_, (_, expires)| *expires > now);
        let mut live: Vec<_> = nodes.values().map(|(info, _)| info.clone()).collect();
        live.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(live)
    }

    async fn is_alive(&self, id: &str) -> Result<bool, ClusterError> {
        Ok(self.alive_at(id, unix_ms()))
    }
}

/// Learns deaths from successive lists of live node ids: a node seen alive
/// and then dead by the [`Liveness`] rule is reported dead once.
#[derive(Debug, Default)]
pub struct DeathDetector {
    /// Nodes seen alive and not reported dead since.
    seen: BTreeSet<String>,
    liveness: Liveness,
}

impl DeathDetector {
    /// A detector that has seen nothing yet, for a watcher that is not a
    /// node itself.
    pub fn new() -> Self {
        Self::default()
    }

    /// A detector for node `own`. A listing without `own` means the
    /// registry lost records (Redis restarted empty, or this node could not
    /// refresh): every live node re-announces within one refresh, so no
    /// death is reported until `grace` (one TTL) has passed with `own`
    /// listed again; a node still missing then is dead (see [`Liveness`]).
    pub fn for_node(own: impl Into<String>, grace: Duration) -> Self {
        Self {
            seen: BTreeSet::new(),
            liveness: Liveness::for_node(own, grace),
        }
    }

    /// Takes the current live ids at `now`; returns those that died since
    /// they were last seen.
    pub fn handle_live(
        &mut self,
        live: impl IntoIterator<Item = String>,
        now: Instant,
    ) -> Vec<String> {
        self.liveness.handle_listing(live, now);
        let listed = self.liveness.listed().iter().cloned();
        if !self.liveness.is_trusted() {
            // Remember who was alive before the loss, and who is back.
            self.seen.extend(listed);
            return Vec::new();
        }
        let dead = self
            .seen
            .iter()
            .filter(|id| self.liveness.is_dead(id))
            .cloned()
            .collect();
        self.seen = listed.collect();
        dead
    }
}

/// Refreshes this node's record every `every` with the load `load()` reports,
/// until the returned guard is dropped. A failed refresh is logged and retried
/// on the next tick.
pub fn spawn_heartbeat(
    registry: Arc<dyn NodeRegistry>,
    info: NodeInfo,
    load: impl Fn() -> NodeLoad + Send + 'static,
    every: Duration,
    ttl: Duration,
) -> TaskGuard {
    let task: JoinHandle<()> = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let record = NodeInfo {
                load: load(),
                ..info.clone()
            };
            if let Err(e) = registry.announce(&record, ttl).await {
                tracing::warn!(node = %record.id, error = %e, "node heartbeat failed");
            }
        }
    });
    TaskGuard::new(task)
}

/// Polls the live nodes every `every` and sends the id of each node that dies.
/// A failed poll reports nothing (a link blip is not a death). Ends when the
/// receiver is dropped.
pub fn spawn_death_watch(
    registry: Arc<dyn NodeRegistry>,
    mut detector: DeathDetector,
    every: Duration,
) -> (mpsc::Receiver<String>, TaskGuard) {
    let (tx, rx) = mpsc::channel(64);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let live = match registry.live_nodes().await {
                Ok(live) => live,
                Err(e) => {
                    tracing::warn!(error = %e, "listing live nodes failed");
                    continue;
                }
            };
            let ids = live.into_iter().map(|n| n.id);
            for dead in detector.handle_live(ids, Instant::now()) {
                if tx.send(dead).await.is_err() {
                    return;
                }
            }
        }
    });
    (rx, TaskGuard::new(task))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_node_missing_from_the_live_list_is_reported_dead_once() {
        let t = Instant::now();
        let mut detector = DeathDetector::new();
        assert!(detector.handle_live(ids(&["a", "b"]), t).is_empty());
        assert_eq!(detector.handle_live(ids(&["b"]), t), ids(&["a"]));
        assert!(detector.handle_live(ids(&["b"]), t).is_empty());
    }

    #[test]
    fn a_node_never_seen_alive_is_not_reported() {
        let t = Instant::now();
        let mut detector = DeathDetector::new();
        assert!(detector.handle_live(ids(&[]), t).is_empty());
        assert!(detector.handle_live(ids(&["c"]), t).is_empty());
    }

    #[test]
    fn a_registry_that_lost_every_record_kills_nobody_who_comes_back() {
        let grace = Duration::from_secs(15);
        let t = Instant::now();
        let mut detector = DeathDetector::for_node("me", grace);
        assert!(detector.handle_live(ids(&["me", "a", "b"]), t).is_empty());
        // Redis restarted empty: nobody is listed, this node included.
        assert!(detector
            .handle_live(ids(&[]), t + Duration::from_secs(1))
            .is_empty());
        // This node and `a` re-announce; `b` is slower.
        let back = t + Duration::from_secs(4);
        assert!(detector.handle_live(ids(&["me", "a"]), back).is_empty());
        let slow = t + Duration::from_secs(6);
        assert!(detector
            .handle_live(ids(&["me", "a", "b"]), slow)
            .is_empty());
        let after = t + Duration::from_secs(20);
        assert!(detector
            .handle_live(ids(&["me", "a", "b"]), after)
            .is_empty());
    }

    #[test]
    fn a_node_that_does_not_come_back_after_the_loss_is_dead_once_the_grace_ends() {
        let grace = Duration::from_secs(15);
        let t = Instant::now();
        let mut detector = DeathDetector::for_node("me", grace);
        assert!(detector.handle_live(ids(&["me", "a", "b"]), t).is_empty());
        assert!(detector
            .handle_live(ids(&[]), t + Duration::from_secs(1))
            .is_empty());
        let within = t + Duration::from_secs(10);
        assert!(detector.handle_live(ids(&["me", "a"]), within).is_empty());
        let after = t + Duration::from_secs(17);
        assert_eq!(detector.handle_live(ids(&["me", "a"]), after), ids(&["b"]));
        // Without a loss, a death is reported at once.
        let later = t + Duration::from_secs(18);
        assert_eq!(detector.handle_live(ids(&["me"]), later), ids(&["a"]));
    }

    #[test]
    fn node_record_round_trips_as_json_with_its_load() {
        let info = NodeInfo {
            id: "n1".into(),
            http_addr: "10.0.0.1:8080".into(),
            rtmp_addr: "10.0.0.1:1935".into(),
            started_at: 1,
            load: NodeLoad {
                streams: 2,
                hls_viewers: 7,
                ..NodeLoad::default()
            },
        };
        let json = serde_json::to_string(&info).unwrap_or_default();
        let back: Option<NodeInfo> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(info));
    }
}
