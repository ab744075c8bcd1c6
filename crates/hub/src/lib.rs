//! The fan-out hub: one actor per live stream.
//!
//! Layer: pure core plus a thin tokio runtime part.
//!
//! Pure core (no tasks, no clocks):
//! - [`Packet`]: a frame with its FLV tag and RTMP chunks, each serialised at
//!   most once and shared as `Bytes` by every viewer.
//! - [`GopCache`]: metadata, sequence headers and the frames since the last
//!   keyframe, capped in bytes, so a new viewer starts on a keyframe at once.
//! - [`Batcher`]: groups packets so that viewers are woken once per video
//!   frame, not once per packet.
//! - [`LagPolicy`]: a viewer that falls behind skips to the next keyframe; one
//!   that keeps falling behind is cut off.
//!
//! Runtime part: [`Hub`] maps stream names to stream actors. A [`Publisher`]
//! sends frames to its actor; the actor updates the GOP cache, feeds the
//! stream's [`Sink`]s (HLS, for one) and broadcasts batches into a bounded ring
//! that every [`Subscription`] reads at its own pace. A viewer that has caught
//! up may instead hand its socket to the actor ([`Subscription::attach`], a
//! [`DirectSink`]), which then writes each batch to it without waking it.
//! Actors run on the runtime that [`HubConfig::actors`] names (the server
//! gives them one of their own), else on the caller's. Memory is bounded by
//! the ring and the cache, never by the number or slowness of viewers. A publisher
//! that publishes a name already live takes the stream over at once; viewers
//! stay connected and see the new publisher's frames on a continuous timeline.
//!
//! Lifecycle: [`Hub::events`] tells each [`StreamEvent`] once, when it
//! happens (started, taken over with its epoch, ended, viewer count
//! changed; counts at most twice a second per stream), through a bounded
//! ring: a consumer that falls behind is told it lagged and re-reads
//! [`Hub::streams`]. Relays ([`Hub::subscribe_relay`]) are not counted.

mod batch;
mod config;
mod direct;
mod error;
mod events;
mod gop;
mod lag;
mod packet;
mod publisher;
mod registry;
mod sink;
mod stream;
mod subscription;
mod viewers;

pub use batch::{Batch, Batcher};
pub use config::HubConfig;
pub use direct::{DirectSink, Offer};
pub use error::HubError;
pub use events::{EventsError, HubEvents, StreamEvent};
pub use gop::GopCache;
pub use lag::{LagPolicy, LagVerdict};
pub use packet::Packet;
pub use publisher::Publisher;
pub use registry::{Hub, StreamInfo};
pub use sink::{Sink, SinkFactory};
pub use subscription::{Attachment, Detached, Returned, Subscription, SubscriptionEnd};
