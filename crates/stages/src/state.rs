//! Where stages and viewer heartbeats live: one trait, kept in process
//! standalone ([`MemoryState`]) and in Redis in a cluster
//! ([`crate::RedisState`]).
//!
//! A room's stages are one versioned record; a change is a
//! compare-and-set on the version, so decisions made on any replica apply
//! one after the other. Seating a viewer is part of the same atomic
//! commit, so the next decision counts the viewer. Heartbeats are the
//! hot tier: per stage, viewers by their last beat.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::StagesError;
use crate::stage::RoomStages;

/// A room's stages as read, with the version a commit must name.
#[derive(Debug, Clone, Default)]
pub struct Versioned {
    pub version: u64,
    pub stages: RoomStages,
}

/// A viewer seated on a stage at `now_ms` (its first beat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub viewer: String,
    pub stage: String,
    pub now_ms: u64,
}

/// A viewer who stopped watching: heartbeats expired or the stage closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedWatch {
    pub room: String,
    pub viewer: String,
    pub stage: String,
    pub started_ms: u64,
    pub last_beat_ms: u64,
}

/// Stages and heartbeats; see the module documentation.
#[async_trait]
pub trait StageState: Send + Sync + std::fmt::Debug {
    /// The room's stages (version 0 and none when it has none).
    async fn load(&self, room: &str) -> Result<Versioned, StagesError>;
    /// Writes `stages` if the stored version is still `version` (then
    /// seats `seat`, if any); false when someone else wrote first.
    async fn commit(
        &self,
        room: &str,
        version: u64,
        stages: &RoomStages,
        seat: Option<&Seat>,
    ) -> Result<bool, StagesError>;
    /// The stage `viewer` is seated on, if any.
    async fn seat_of(&self, room: &str, viewer: &str) -> Result<Option<String>, StagesError>;
    /// A heartbeat of a seated viewer whose last beat is at or after
    /// `since_ms`; its stage, or `None` if not seated (or expired).
    async fn beat(
        &self,
        room: &str,
        viewer: &str,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StagesError>;
    /// Viewers per stage that beat at or after `since_ms`, or the restored
    /// floor of the stage where that is higher.
    async fn counts(&self, room: &str, since_ms: u64) -> Result<HashMap<String, u64>, StagesError>;
    /// Unseats the viewers of `stage` whose last beat is before
    /// `before_ms` (every viewer with `u64::MAX`); their watches.
    async fn sweep(
        &self,
        room: &str,
        stage: &str,
        before_ms: u64,
    ) -> Result<Vec<EndedWatch>, StagesError>;
    /// Rooms with stages.
    async fn rooms(&self) -> Result<Vec<String>, StagesError>;
    /// Counts to report per stage until `until_ms` while heartbeats refill
    /// (after the state lost them).
    async fn restore_floor(
        &self,
        room: &str,
        counts: &HashMap<String, u64>,
        until_ms: u64,
    ) -> Result<(), StagesError>;
}

/// One room in process.
#[derive(Debug, Default)]
struct RoomState {
    version: u64,
    stages: RoomStages,
    /// viewer → (stage, started, last beat).
    seats: HashMap<String, (String, u64, u64)>,
}

/// [`StageState`] in process (standalone).
#[derive(Debug, Default)]
pub struct MemoryState {
    rooms: Mutex<HashMap<String, RoomState>>,
}

impl MemoryState {
    pub fn new() -> MemoryState {
        MemoryState::default()
    }

    fn with<T>(&self, room: &str, f: impl FnOnce(&mut RoomState) -> T) -> T {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        f(rooms.entry(room.to_owned()).or_default())
    }
}

#[async_trait]
impl StageState for MemoryState {
    async fn load(&self, room: &str) -> Result<Versioned, StagesError> {
        Ok(self.with(room, |r| Versioned {
            version: r.version,
            stages: r.stages.clone(),
        }))
    }

    async fn commit(
        &self,
        room: &str,
        version: u64,
        stages: &RoomStages,
        seat: Option<&Seat>,
    ) -> Result<bool, StagesError> {
        Ok(self.with(room, |r| {
            if r.version != version {
                return false;
            }
            r.version += 1;
            r.stages = stages.clone();
            if let Some(seat) = seat {
                let entry = (seat.stage.clone(), seat.now_ms, seat.now_ms);
                r.seats.insert(seat.viewer.clone(), entry);
            }
            true
        }))
    }

    async fn seat_of(&self, room: &str, viewer: &str) -> Result<Option<String>, StagesError> {
        Ok(self.with(room, |r| r.seats.get(viewer).map(|s| s.0.clone())))
    }

    async fn beat(
        &self,
        room: &str,
        viewer: &str,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StagesError> {
        Ok(self.with(room, |r| {
            let seat = r.seats.get_mut(viewer).filter(|s| s.2 >= since_ms)?;
            seat.2 = seat.2.max(now_ms);
            Some(seat.0.clone())
        }))
    }

    async fn counts(&self, room: &str, since_ms: u64) -> Result<HashMap<String, u64>, StagesError> {
        Ok(self.with(room, |r| {
            let mut counts = HashMap::new();
            for (stage, _, last) in r.seats.values() {
                if *last >= since_ms {
                    *counts.entry(stage.clone()).or_default() += 1;
                }
            }
            counts
        }))
    }

    async fn sweep(
        &self,
        room: &str,
        stage: &str,
        before_ms: u64,
    ) -> Result<Vec<EndedWatch>, StagesError> {
        Ok(self.with(room, |r| {
            let mut ended = Vec::new();
            r.seats.retain(|viewer, (s, started, last)| {
                let gone = s == stage && (*last < before_ms || before_ms == u64::MAX);
                if gone {
                    ended.push(EndedWatch {
                        room: room.to_owned(),
                        viewer: viewer.clone(),
                        stage: s.clone(),
                        started_ms: *started,
                        last_beat_ms: *last,
                    });
                }
                !gone
            });
            ended
        }))
    }

    async fn rooms(&self) -> Result<Vec<String>, StagesError> {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = rooms
            .iter()
            .filter(|(_, r)| !r.stages.stages.is_empty())
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn restore_floor(
        &self,
        _room: &str,
        _counts: &HashMap<String, u64>,
        _until_ms: u64,
    ) -> Result<(), StagesError> {
        // Nothing in process is lost without the process itself.
        Ok(())
    }
}
