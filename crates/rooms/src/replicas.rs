//! This replica among the others: the cluster seams and its node id.

use cluster::Cluster;

#[cfg(test)]
#[path = "replicas_tests.rs"]
mod tests;

/// How a room runtime in cluster mode reaches the other replicas.
#[derive(Debug, Clone)]
pub struct Replicas {
    pub(crate) cluster: Cluster,
    pub(crate) node: String,
}

impl Replicas {
    /// The seams of `cluster`, as node `cluster.config.node_id`.
    pub fn new(cluster: Cluster) -> Replicas {
        let node = cluster.config.node_id.clone();
        Replicas { cluster, node }
    }
}

/// The queue where a room's writer answers connections on `node`: one per
/// (room, node), kept by that node under a lease of its own.
pub(crate) fn inbox_of(room: &str, node: &str) -> String {
    format!("{room}~to~{node}")
}
