//! How many watch a room's live stream, as the whole cluster counts them.
//!
//! In a cluster a room's viewers play on every replica (FLV, RTMP, HLS),
//! so no local hub knows them all. The stage accounting does: its hot tier
//! counts every seated viewer that beat within the expiry, wherever it
//! plays. The room's writer reads that count with its cluster watch (every
//! 2 s) and tells the room when it changed. Standalone the local hub is the
//! truth and tells each change itself ([`crate::watch_live`]).

use std::future::Future;
use std::pin::Pin;

/// What [`Audience::viewers`] answers: the count, or `None` when it cannot
/// be told now (the room then keeps the count it has).
pub type ViewerCountFuture<'a> = Pin<Box<dyn Future<Output = Option<u64>> + Send + 'a>>;

/// The source of a room's viewer count in a cluster.
pub trait Audience: Send + Sync + std::fmt::Debug {
    /// How many watch `room`'s live stream now.
    fn viewers<'a>(&'a self, room: &'a str) -> ViewerCountFuture<'a>;
}
