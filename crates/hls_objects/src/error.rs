use thiserror::Error;

/// Why the uploader cannot start. Never carries a credential.
#[derive(Debug, Error)]
pub enum StorageError {
    #[error("live.storage: {0}")]
    Invalid(String),
    #[error("live.storage: the object store cannot be set up: {0}")]
    Store(String),
    #[error("live.storage: the uploader needs a running tokio runtime")]
    NoRuntime,
}
