//! The live engine's news for rooms, standalone: a stream started or
//! ended, and how many watch. The hub tells each change once
//! ([`hub::Hub::events`]); the bridge hands it to the room if its actor is
//! loaded, waiting for room in its inbox rather than dropping it. A room
//! that loads later asks the [`LiveStatus`] the bridge registered when it
//! starts.
//!
//! In a cluster the local hub is not the truth: a room's stream may run on
//! another replica, a local stream may be a pull that stops while the
//! stream goes on, and viewers play on every replica. There the room's
//! writer follows the stream lease and the cluster's
//! [`crate::Audience`] instead (`writer_watch`), and this bridge is not
//! run.

use std::sync::Arc;

use hub::{EventsError, Hub, StreamEvent};
use live::Live;
use room::{Actor, LiveEnded, LiveStarted, RoomCommand, ViewerCount};
use store::RoomId;
use tokio::sync::watch;

use crate::registry::Rooms;

/// Where a room that is loading learns whether its stream is live.
pub trait LiveStatus: Send + Sync + std::fmt::Debug {
    /// Viewers of `stream` if it is live now; `None` if it is not.
    fn viewers(&self, stream: &str) -> Option<usize>;
}

impl LiveStatus for Hub {
    fn viewers(&self, stream: &str) -> Option<usize> {
        self.streams()
            .into_iter()
            .find(|s| s.name == stream)
            .map(|s| s.viewers)
    }
}

/// Tells loaded rooms about their live streams until `shutdown`.
pub async fn watch_live(rooms: Rooms, live: Arc<Live>, mut shutdown: watch::Receiver<bool>) {
    // Subscribe first: a change after this is seen as an event, one before
    // it by the rooms that load (status) or are loaded (resync) now.
    let mut events = live.hub.events();
    rooms.set_live_status(Arc::new(live.hub.clone()));
    resync(&rooms, &live.hub).await;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match event {
            Ok(event) => deliver(&rooms, event).await,
            Err(EventsError::Lagged { missed }) => {
                tracing::debug!(missed, "live news lagged; telling every loaded room again");
                resync(&rooms, &live.hub).await;
            }
            Err(EventsError::Closed) => return,
        }
    }
}

async fn deliver(rooms: &Rooms, event: StreamEvent) {
    let (name, commands) = match event {
        StreamEvent::Viewers { name, count } => (name, vec![viewer_count(count)]),
        StreamEvent::Started { name, .. } | StreamEvent::TakenOver { name, .. } => {
            (name, vec![LiveStarted.into()])
        }
        StreamEvent::Ended { name, .. } => (name, vec![LiveEnded.into()]),
    };
    let Some(id) = RoomId::parse(&name) else {
        return;
    };
    for command in commands {
        rooms.tell(&id, Actor::System, command).await;
    }
}

/// Every loaded room told its stream's state as the hub has it now.
async fn resync(rooms: &Rooms, hub: &Hub) {
    for id in rooms.running_ids() {
        for command in commands_for(hub.viewers(id.as_str())) {
            rooms.tell(&id, Actor::System, command).await;
        }
    }
}

/// What a room is told about its stream (`None`: not publishing). The
/// room ignores what it already knows.
pub(crate) fn commands_for(viewers: Option<usize>) -> Vec<RoomCommand> {
    match viewers {
        Some(viewers) => vec![LiveStarted.into(), viewer_count(viewers)],
        None => vec![LiveEnded.into()],
    }
}

fn viewer_count(viewers: usize) -> RoomCommand {
    ViewerCount {
        viewers: viewers as u64,
    }
    .into()
}

#[cfg(test)]
#[path = "live_events_tests.rs"]
mod tests;
