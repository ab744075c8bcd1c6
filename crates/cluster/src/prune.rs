//! The sets that list leased resources (`active_streams`, `room_writers`)
//! lose a member when its lease is released, or found gone by a renewal,
//! a release or a listing. A lease that expired with its node is seen by
//! none of these, so every node also prunes both sets now and then.
//! Pruning is idempotent: several nodes doing it at once is harmless.

use std::time::Duration;

use crate::clock::TaskGuard;
use crate::cluster::Cluster;

/// Prunes the stream and room-writer sets every `every`, the first time
/// after one period. A failed prune is retried at the next period.
pub fn spawn_set_pruning(cluster: &Cluster, every: Duration) -> TaskGuard {
    let sets = [
        ("active_streams", cluster.streams.clone()),
        ("room_writers", cluster.room_writers.clone()),
    ];
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            for (set, leases) in &sets {
                match leases.prune().await {
                    Ok(0) => {}
                    Ok(dropped) => tracing::debug!(set, dropped, "leases gone left their set"),
                    Err(e) => tracing::warn!(set, error = %e, "pruning a lease set failed"),
                }
            }
        }
    });
    TaskGuard::new(task)
}
