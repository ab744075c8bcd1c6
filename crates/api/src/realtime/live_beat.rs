//! A member's room connection as its live heartbeat: while the room's
//! current item is the live stream, what the member sends (a `heartbeat`,
//! or anything else) beats for it on its stage (docs/stages.md), at most
//! once per half heartbeat period. Guests are not viewers the stages
//! know, and beat over HTTP or their play connection instead.

use std::sync::Arc;

use rooms::Rooms;
use stages::StageControl;
use store::RoomId;
use tokio::time::{Duration, Instant};

use super::session::SessionContext;

/// One connection's live beats.
pub(crate) struct LiveBeat {
    stages: Option<Arc<dyn StageControl>>,
    rooms: Rooms,
    room: RoomId,
    viewer: String,
    every: Duration,
    last: Option<Instant>,
}

impl LiveBeat {
    pub(crate) fn new(ctx: &SessionContext) -> LiveBeat {
        let stages = ctx.stages.clone().filter(|_| !ctx.who.guest);
        let every = stages
            .as_ref()
            .map_or(Duration::MAX, |s| s.heartbeat_every() / 2);
        LiveBeat {
            stages,
            rooms: ctx.rooms.clone(),
            room: ctx.room.clone(),
            viewer: format!("u{}", ctx.who.user.0),
            every,
            last: None,
        }
    }

    /// The member was heard from at `now`.
    pub(crate) fn handle_heard(&mut self, now: Instant) {
        let Some(stages) = &self.stages else {
            return;
        };
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < self.every)
        {
            return;
        }
        self.last = Some(now);
        let (stages, rooms) = (stages.clone(), self.rooms.clone());
        let (room, viewer) = (self.room.clone(), self.viewer.clone());
        tokio::spawn(async move {
            let live = rooms.read(&room, |room, _| current_is_live(room)).await;
            if !matches!(live, Ok(true)) {
                return;
            }
            if let Err(e) = stages.heartbeat(room.as_str(), &viewer).await {
                tracing::debug!(room = room.as_str(), viewer, error = %e, "live heartbeat not recorded");
            }
        });
    }
}

/// Whether the room plays its live stream now.
fn current_is_live(room: &room::Room) -> bool {
    let Some(current) = room.clock().item else {
        return false;
    };
    room.playlist()
        .iter()
        .any(|item| item.id == current && item.is_live())
}
