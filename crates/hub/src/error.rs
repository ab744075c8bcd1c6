use thiserror::Error;

/// What the hub refuses.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HubError {
    /// Nobody published the stream within the wait.
    #[error("stream {name} is not live")]
    NotFound { name: String },
    /// Another publisher took the stream over.
    #[error("stream {name} was taken over by a new publisher")]
    Replaced { name: String },
    /// The stream ended (its actor is gone).
    #[error("stream {name} ended")]
    Ended { name: String },
}
