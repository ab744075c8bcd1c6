//! The crate's errors: a decision refused, or the state out of reach.

use thiserror::Error;

/// Why a stage decision was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("the room is not publishing")]
    NotPublishing,
    #[error("no such stage")]
    NoSuchStage,
    #[error("the owner's stage carries the stream itself")]
    OwnerStage,
    #[error("every live replica already has a stage of this room")]
    NoFreeNode,
    #[error("no live replica can take a stage")]
    NoNode,
}

/// Why a stages operation failed.
#[derive(Debug, Error)]
pub enum StagesError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Redis refused or could not be reached.
    #[error("stage state: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("cluster: {0}")]
    Cluster(#[from] cluster::ClusterError),
    #[error("viewer accounting storage: {0}")]
    Store(#[from] store::StoreError),
    /// A stored record could not be read back.
    #[error("malformed stage record of room {room}")]
    Malformed { room: String },
    /// Others kept changing the room's stages; the caller may retry.
    #[error("the room's stages kept changing; retry")]
    Busy,
}
