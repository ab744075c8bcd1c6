//! Stages: which replicas carry a room's live stream for its viewers, and
//! how many watch it.
//!
//! Layer: a pure core plus adapters. [`RoomStages`] is the sans-IO model of
//! one room's stages: viewer counts, live nodes, the publisher's node and
//! the time go in (`handle_watch`, `handle_open`, `handle_replication`,
//! `handle_tick`); the stages change and events come out of `poll_event`.
//! docs/stages.md explains the rules.
mod error;
mod stage;

pub use error::{PlanError, StagesError};
pub use stage::{NodeSlot, RoomStages, Situation, Stage, StageEvent, StageRules, NOT_PUBLISHING};
