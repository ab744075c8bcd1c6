//! The lease seam: stream ownership and room writers, in process or on Redis.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use crate::clock::unix_ms;
use crate::error::ClusterError;
use crate::lease::{Claim, Lease, LeaseInfo, LeaseTable};
use crate::node::MemoryNodes;

/// Leases of one kind (streams or room writers), with the rules of [`LeaseTable`].
#[async_trait]
pub trait Leases: Send + Sync + std::fmt::Debug {
    /// Claims `resource` for `node` on behalf of `token` (the publisher id for a
    /// stream, the node id for a room writer).
    async fn claim(&self, resource: &str, node: &str, token: &str) -> Result<Claim, ClusterError>;
    /// Refreshes `lease`'s TTL; [`ClusterError::Fenced`] if another epoch holds it.
    async fn renew(&self, lease: &Lease) -> Result<(), ClusterError>;
    /// Deletes `lease` if it is still current; false if it was fenced already.
    async fn release(&self, lease: &Lease) -> Result<bool, ClusterError>;
    /// The current holder of `resource`, if any.
    async fn holder(&self, resource: &str) -> Result<Option<LeaseInfo>, ClusterError>;
    /// Every current lease of this kind, sorted by resource.
    async fn active(&self) -> Result<Vec<LeaseInfo>, ClusterError>;
    /// Forgets the resources whose lease is gone (expired with its node,
    /// never released) from the listing of leased ones; how many.
    async fn prune(&self) -> Result<usize, ClusterError>;
    /// The earliest moment `node`'s record can expire, when this process
    /// announced it: a claim succeeds once it is gone, so a keeper of
    /// `node`'s lease gives up before then. `None`: go by the lease alone.
    fn node_expiry(&self, node: &str) -> Option<Instant> {
        let _ = node;
        None
    }
}

/// In-process leases over a [`LeaseTable`]; node liveness from a [`MemoryNodes`].
#[derive(Debug)]
pub struct MemoryLeases {
    table: Mutex<LeaseTable>,
    nodes: Arc<MemoryNodes>,
    ttl: Duration,
}

impl MemoryLeases {
    /// Leases whose holders' liveness `nodes` knows, expiring after `ttl`.
    pub fn new(nodes: Arc<MemoryNodes>, ttl: Duration) -> Self {
        Self {
            table: Mutex::new(LeaseTable::new()),
            nodes,
            ttl,
        }
    }

    /// Whether `lease` is current (the check behind fenced in-process writes).
    pub fn holds(&self, lease: &Lease) -> bool {
        self.lock().holds(lease, unix_ms())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LeaseTable> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ttl_ms(&self) -> u64 {
        self.ttl.as_millis() as u64
    }
}

#[async_trait]
impl Leases for MemoryLeases {
    async fn claim(&self, resource: &str, node: &str, token: &str) -> Result<Claim, ClusterError> {
        let now = unix_ms();
        let nodes = &self.nodes;
        let alive = |id: &str| nodes.alive_at(id, now);
        Ok(self
            .lock()
            .claim(resource, node, token, now, self.ttl_ms(), alive))
    }

    async fn renew(&self, lease: &Lease) -> Result<(), ClusterError> {
        if self.lock().renew(lease, unix_ms(), self.ttl_ms()) {
            return Ok(());
        }
        Err(fenced(lease))
    }

    async fn release(&self, lease: &Lease) -> Result<bool, ClusterError> {
        Ok(self.lock().release(lease, unix_ms()))
    }

    async fn holder(&self, resource: &str) -> Result<Option<LeaseInfo>, ClusterError> {
        Ok(self.lock().holder(resource, unix_ms()))
    }

    async fn prune(&self) -> Result<usize, ClusterError> {
        Ok(self.lock().prune(unix_ms()))
    }

    async fn active(&self) -> Result<Vec<LeaseInfo>, ClusterError> {
        Ok(self.lock().active(unix_ms()))
    }

    fn node_expiry(&self, node: &str) -> Option<Instant> {
        self.nodes.expiry.expiry(node)
    }
}

pub(crate) fn fenced(lease: &Lease) -> ClusterError {
    ClusterError::Fenced {
        resource: lease.resource.clone(),
        epoch: lease.epoch,
    }
}
