//! The crate's one error type.

use thiserror::Error;

/// Why a cluster operation failed.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// Redis refused the command or the link to it is down; the caller may retry.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A write carried an epoch that is no longer the current one: another node
    /// holds the lease now, and the write was refused.
    #[error("lease on {resource} is fenced: epoch {epoch} is stale")]
    Fenced {
        /// The room or stream whose lease was lost.
        resource: String,
        /// The stale epoch the write carried.
        epoch: u64,
    },
    /// A value read back from Redis could not be understood.
    #[error("malformed {what} in redis")]
    Malformed {
        /// What was being read (a node record, a lease, an event…).
        what: &'static str,
    },
    /// A node record could not be encoded or decoded as JSON.
    #[error("node record: {0}")]
    Json(#[from] serde_json::Error),
}

impl ClusterError {
    /// Whether the failure is a link problem worth retrying (not a refusal).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Redis(e) => {
                e.is_io_error()
                    || e.is_timeout()
                    || e.is_connection_dropped()
                    || e.is_connection_refusal()
                    || e.is_unrecoverable_error()
            }
            _ => false,
        }
    }
}
