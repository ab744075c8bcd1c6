//! Stages: which replicas carry a room's live stream for its viewers, and
//! how many watch it.
//!
//! Layer: a pure core plus adapters. [`RoomStages`] is the sans-IO model of
//! one room's stages: viewer counts, live nodes, the publisher's node and
//! the time go in (`handle_watch`, `handle_open`, `handle_replication`,
//! `handle_tick`); the stages change and events come out of `poll_event`.
//! [`WatchBatcher`] batches finished watches for SQL the same way.
//!
//! The state shared by replicas is behind [`StageState`]: in process
//! standalone ([`MemoryState`]), in Redis in a cluster ([`RedisState`]).
//! [`Stages`] runs the core against it and is the seam the API calls
//! ([`StageControl`]); [`Origin`] is how it learns who publishes and
//! replicates a stream into this node. Drive loop: each node runs one
//! agent task ([`Stages::spawn_agent`]) ticking every `tick` for the
//! stages it serves. docs/stages.md explains the rules.

mod agent;
mod batch;
mod error;
mod metrics;
mod redis_state;
mod service;
mod stage;
mod state;
mod watching;

pub use agent::StagesTask;
pub use batch::WatchBatcher;
pub use error::{PlanError, StagesError};
pub use metrics::{Counter, StageMetrics};
pub use redis_state::RedisState;
pub use service::{
    Origin, Placement, PublisherInfo, StageControl, StageView, Stages, StagesConfig,
};
pub use stage::{NodeSlot, RoomStages, Situation, Stage, StageEvent, StageRules, NOT_PUBLISHING};
pub use state::{EndedWatch, MemoryState, Seat, StageState, Versioned};
pub use watching::Watching;
