use thiserror::Error;

/// What can go wrong when setting up or running the relay.
#[derive(Debug, Error)]
pub enum RelayError {
    /// Cluster mode needs `cluster.secret` to authenticate replicas.
    #[error("cluster.secret is not set: replicas cannot authenticate each other")]
    NoSecret,
    #[error("cluster state unavailable: {0}")]
    Cluster(#[from] cluster::ClusterError),
    #[error("cannot fetch {url} from the owner: {reason}")]
    Fetch { url: String, reason: String },
    #[error("the owner answered {status} for {url}")]
    Status { url: String, status: u16 },
    #[error("the owner cannot be reached at {addr}")]
    Unreachable { addr: String },
}
