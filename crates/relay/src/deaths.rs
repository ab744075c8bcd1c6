//! Dead owners: the registry's death watch reports a node once its record
//! expired; its streams are marked ended here (HLS answers
//! `stream_ended`) and pulls from it stop, so their local streams end and
//! their viewers get a clean end. A stream already re-pushed elsewhere is
//! pulled from its new owner by then, and is left alone.

use std::sync::Arc;
use std::time::Duration;

use crate::{lock, Inner};

pub(crate) async fn watch(inner: Arc<Inner>, every: Duration) {
    let (mut dead, _watch) = cluster::spawn_death_watch(
        inner.cluster.nodes.clone(),
        // A registry that lost this node's record (Redis restarted empty)
        // is given one TTL for every live node to announce itself again.
        cluster::DeathDetector::for_node(
            inner.cluster.config.node_id.clone(),
            inner.cluster.config.timing.ttl,
        ),
        every,
    );
    while let Some(node) = dead.recv().await {
        handle_dead(&inner, &node).await;
    }
}

async fn handle_dead(inner: &Inner, node: &str) {
    tracing::warn!(node, "a replica died: ending its streams here");
    let mut streams: Vec<String> = match inner.cluster.streams.active().await {
        Ok(active) => active
            .into_iter()
            .filter(|info| info.lease.node == node)
            .map(|info| info.lease.resource)
            .collect(),
        Err(e) => {
            tracing::warn!(node, error = %e, "cannot list the streams");
            Vec::new()
        }
    };
    lock(&inner.remote_owners).retain(|stream, owner| {
        if owner == node {
            streams.push(stream.clone());
        }
        owner != node
    });
    let stopped: Vec<_> = {
        let mut pulls = lock(&inner.pulls);
        let dead: Vec<String> = pulls
            .iter()
            .filter(|(_, slot)| *lock(&slot.source) == node)
            .map(|(stream, _)| stream.clone())
            .collect();
        dead.iter().filter_map(|s| pulls.remove(s)).collect()
    };
    drop(stopped);
    for stream in streams {
        tracing::info!(stream, node, "stream ended with its owner");
        inner.mark_ended(&stream);
    }
}
