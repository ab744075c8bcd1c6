//! The crate's one error type.

use redis::RetryMethod;
use thiserror::Error;

/// Why a cluster operation failed.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// Redis refused the command or the link to it is down; the caller may retry.
    #[error("redis: {0}")]
    Redis(redis::RedisError),
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
    /// Redis did not answer in time.
    #[error("{what} timed out")]
    Timeout {
        /// What was waited for.
        what: &'static str,
    },
    /// A node record could not be encoded or decoded as JSON.
    #[error("node record: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<redis::RedisError> for ClusterError {
    /// Every Redis failure of this crate passes here, so it is counted here
    /// (see [`crate::ClusterMetrics::redis_errors`]).
    fn from(error: redis::RedisError) -> Self {
        crate::metrics::count_redis_error();
        Self::Redis(error)
    }
}

impl ClusterError {
    /// Whether the failure is a link problem or a passing server state
    /// (e.g. still loading after a restart) worth retrying, not a refusal.
    pub fn is_transient(&self) -> bool {
        let Self::Redis(e) = self else {
            return false;
        };
        e.is_io_error()
            || matches!(
                e.retry_method(),
                RetryMethod::Reconnect
                    | RetryMethod::ReconnectFromInitialConnections
                    | RetryMethod::WaitAndRetry
                    | RetryMethod::RetryImmediately
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_link_is_transient_and_a_refusal_is_not() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(ClusterError::Redis(io.into()).is_transient());
        let fenced = ClusterError::Fenced {
            resource: "r".into(),
            epoch: 1,
        };
        assert!(!fenced.is_transient());
        let client = redis::RedisError::from((redis::ErrorKind::Client, "bad request"));
        assert!(!ClusterError::Redis(client).is_transient());
    }
}
