//! HLS output: a segmenter and playlist writer over the MPEG-TS muxer.
//!
//! Layer: pure. No sockets, tasks, files or clocks: frames go in, segments
//! and playlists come out as shared `Bytes`; durations are measured on the
//! frames' own timestamps.
//!
//! Drive loop: one [`Segmenter`] per live stream. Call
//! [`Segmenter::handle_frame`] with every frame in decode order and
//! [`Segmenter::finish`] when the stream ends; after each call drain
//! [`Segmenter::poll_event`] until `None` ([`HlsEvent::SegmentReady`],
//! [`HlsEvent::SegmentRemoved`] — what an uploader to object storage needs).
//! HTTP handlers answer from an [`HlsSnapshot`] taken with
//! [`Segmenter::snapshot`] after each `SegmentReady`: the playlist is
//! rendered once per segment, not per request, and a segment (`{seq}.ts` in
//! the playlist) is found by index, without a lock or a message to the
//! stream's owner.
//!
//! Segments are cut at video keyframes once [`HlsConfig::target_duration`]
//! is reached (on time for audio-only streams), each starts with PAT/PMT and
//! a keyframe, and only [`HlsConfig::window`] of them are kept. A timeline
//! jump or a codec configuration change starts the next segment with
//! EXT-X-DISCONTINUITY.

mod config;
mod error;
mod segmenter;
mod snapshot;
mod window;

pub use config::{HlsConfig, BACKWARD_TOLERANCE_MS};
pub use error::HlsError;
pub use segmenter::{HlsEvent, Segmenter};
pub use snapshot::HlsSnapshot;
