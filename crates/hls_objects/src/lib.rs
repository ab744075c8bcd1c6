//! HLS segments in object storage: every finished segment of every live
//! stream is uploaded to an S3-compatible store, playlists name the store's
//! (or a CDN's) URL for the segments that made it there, and a stream's
//! objects are deleted a grace period after it ends.
//!
//! Layer: adapter (tokio + the `object_store` crate). It plugs into the
//! live engine through [`live::SegmentSink`]: the HLS store calls
//! [`SegmentUploader`] from inside each stream actor, which only queues the
//! segment for the stream's own upload task and returns.
//!
//! Drive loop: one task per stream run. It takes finished segments from a
//! bounded queue and uploads them with bounded concurrency (shared by every
//! stream) and retries; an upload that succeeds is recorded so playlists
//! name it by its store URL, one that fails keeps its replica URL. When the
//! stream ends the task waits for its uploads, sleeps the grace period and
//! deletes every object of the run. A failed upload also marks the store
//! unhealthy: until one succeeds again, playlists name every segment on the
//! replica, so viewers keep playing while the store is down.
//!
//! Credentials come from the configuration or the usual `AWS_*`
//! environment variables; they are never logged or put into an error.

mod config;
mod error;
mod figures;
mod registry;
mod store;
mod stream_task;
mod uploader;

pub use config::{Secret, StorageConfig};
pub use error::StorageError;
pub use figures::Figures;
pub use uploader::SegmentUploader;
