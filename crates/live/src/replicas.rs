//! The seam to the other replicas of a cluster. Standalone, nothing is
//! installed and the live engine behaves as a single process; in a cluster
//! the `relay` crate installs an implementation with
//! [`Live::set_replicas`](crate::Live::set_replicas).
//!
//! Only connection set-up asks it anything (a publish, a play or an HLS
//! request for a stream that is not here); frames never pass through it.

use std::any::Any;
use std::fmt;

use bytes::Bytes;

use crate::BoxFuture;

/// The HTTP header a replica sends when it fetches HLS from the owner.
pub const RELAY_HEADER: &str = "x-synctv-relay";

/// What a cluster adds to the live engine.
pub trait Replicas: Send + Sync + 'static {
    /// Claims the ownership of `stream` for the publisher whose stream key
    /// is `key`, before its publish is accepted. The [`Ownership`] is held
    /// as long as the publisher publishes; dropping it releases the claim.
    fn claim<'a>(
        &'a self,
        stream: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Ownership, Refusal>>;

    /// A viewer asks for `stream`, which is not live here: if another
    /// replica owns it, start (or join) the pull that brings it here. Does
    /// not wait for the pull; the viewer waits in the hub as usual.
    fn want<'a>(&'a self, stream: &'a str) -> BoxFuture<'a, ()>;

    /// Whether an RTMP play of `stream` whose query carries the relay
    /// marker proves that it comes from another replica.
    fn is_replica_play(&self, stream: &str, query: &str) -> bool;

    /// Whether an HTTP request for `stream` with this [`RELAY_HEADER`]
    /// value comes from another replica.
    fn is_replica_request(&self, stream: &str, header: &str) -> bool;

    /// Whether `stream` ended with its owner lately (its owner died):
    /// HLS then answers `stream_ended` rather than a stale playlist.
    fn is_ended(&self, stream: &str) -> bool;

    /// An HLS file (`index.m3u8` or `{seq}.ts`) of `stream` from its
    /// owner, when the stream is not live here.
    fn remote_hls<'a>(&'a self, stream: &'a str, file: &'a str) -> BoxFuture<'a, RemoteHls>;
}

/// Held by a publisher while it publishes; dropping it gives the stream up.
pub struct Ownership {
    _holder: Box<dyn Any + Send + Sync>,
}

impl Ownership {
    /// Wraps whatever keeps the claim alive (and releases it on drop).
    pub fn new(holder: impl Any + Send + Sync) -> Ownership {
        Ownership {
            _holder: Box::new(holder),
        }
    }
}

impl fmt::Debug for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ownership")
    }
}

/// Why a publish may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Another publisher of the stream is live on `node`.
    Held { node: String },
    /// The cluster state cannot be reached now.
    Unavailable,
}

/// The answer of [`Replicas::remote_hls`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteHls {
    Found(Bytes),
    /// No replica carries the stream.
    NotLive,
    /// The stream's owner died or is gone: the stream ended.
    Ended,
    /// The owner carries the stream but not this file.
    Missing,
    /// The cluster state or the owner cannot be reached now.
    Unavailable,
}
