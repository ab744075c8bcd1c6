//! The seam between the HLS output and whatever keeps segments elsewhere
//! (object storage): the HLS store hands every finished segment and every
//! stream end to an installed [`SegmentSink`], and asks it how viewers
//! should see each playlist.
//!
//! The sink is called from inside the stream actor, so it must not block:
//! it queues the work and returns.

use std::time::Duration;

use bytes::Bytes;

/// One finished HLS segment, as the playlist names it (`{seq}.ts`).
#[derive(Debug, Clone)]
pub struct FinishedSegment {
    pub stream: String,
    /// Tells one run of a stream from the next: a restarted stream counts
    /// its segments from 0 again under a new run.
    pub run: u64,
    pub seq: u64,
    pub duration: Duration,
    pub data: Bytes,
}

/// Receives finished segments and stream ends; rewrites playlists.
pub trait SegmentSink: Send + Sync + std::fmt::Debug {
    /// A segment closed and is listed in the playlist from now on.
    fn handle_segment(&self, segment: FinishedSegment);

    /// Run `run` of `stream` ended: no segment follows.
    fn handle_end(&self, stream: &str, run: u64);

    /// The playlist viewers get for run `run` of `stream`, or `None` to
    /// serve it as the segmenter wrote it (every segment from here).
    fn rewrite_playlist(&self, stream: &str, run: u64, playlist: &Bytes) -> Option<Bytes>;

    /// Prometheus text of the sink's own figures, for `/metrics`.
    fn figures(&self) -> String {
        String::new()
    }
}
