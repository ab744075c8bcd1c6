//! Readiness: whether this replica can serve, i.e. its database and (in
//! cluster mode) Redis answer now. A probe that fails turns into one that
//! passes as soon as both answer again; nothing needs resetting, since the
//! database pool and the Redis link reconnect by themselves.

use std::time::Duration;

use cluster::{Cluster, ClusterError};
use store::{Store, StoreError};
use thiserror::Error;

/// How long each dependency has to answer a probe.
pub const PROBE_WITHIN: Duration = Duration::from_secs(2);

/// Why this replica is not ready.
#[derive(Debug, Error)]
pub enum NotReady {
    #[error("the database does not answer: {0}")]
    Database(#[source] StoreError),
    #[error("the database did not answer within {0:?}")]
    DatabaseTimeout(Duration),
    #[error("redis does not answer: {0}")]
    Redis(#[source] ClusterError),
}

/// Asks the database for `SELECT 1` and Redis (cluster mode) for `PING`,
/// each within [`PROBE_WITHIN`].
pub async fn readiness(store: &Store, cluster: &Cluster) -> Result<(), NotReady> {
    match tokio::time::timeout(PROBE_WITHIN, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(NotReady::Database(e)),
        Err(_) => return Err(NotReady::DatabaseTimeout(PROBE_WITHIN)),
    }
    cluster.ping(PROBE_WITHIN).await.map_err(NotReady::Redis)
}
