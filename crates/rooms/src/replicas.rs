//! This replica among the others: the cluster seams and its node id.

use std::sync::{Arc, OnceLock};

use cluster::Cluster;

use crate::audience::Audience;

#[cfg(test)]
#[path = "replicas_calls_tests.rs"]
mod calls_tests;
#[cfg(test)]
#[path = "replicas_fence_tests.rs"]
mod fence_tests;
#[cfg(test)]
#[path = "replicas_tests.rs"]
mod tests;

/// How a room runtime in cluster mode reaches the other replicas.
#[derive(Debug, Clone)]
pub struct Replicas {
    pub(crate) cluster: Cluster,
    pub(crate) node: String,
    /// This run of the process: a replica restarted under the same node
    /// id is another incarnation, so its old connections are not taken
    /// for its new ones.
    pub(crate) incarnation: u64,
    /// Where a room's writer reads its viewer count (set once the stage
    /// accounting runs; none, no count is told).
    pub(crate) audience: Arc<OnceLock<Arc<dyn Audience>>>,
}

impl Replicas {
    /// The seams of `cluster`, as node `cluster.config.node_id`.
    pub fn new(cluster: Cluster) -> Replicas {
        let node = cluster.config.node_id.clone();
        // Fed by the followers' forwards and bus readers.
        cluster.metrics.forwarded_commands.wire();
        cluster.metrics.bus_lag_ms.wire();
        Replicas {
            cluster,
            node,
            incarnation: incarnation(),
            audience: Arc::new(OnceLock::new()),
        }
    }
}

/// A number for this run of the process: random per process (the hasher
/// keys are), mixed with the start time.
fn incarnation() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    // Never 0: that is what a replica that does not say sends.
    hasher.finish().max(1)
}

/// The queue where a room's writer answers connections on `node`: one per
/// (room, node), kept by that node under a lease of its own.
pub(crate) fn inbox_of(room: &str, node: &str) -> String {
    format!("{room}~to~{node}")
}
