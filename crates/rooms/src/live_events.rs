//! The live engine's news for rooms: a stream started or ended, and how
//! many watch. The hub tells each change once ([`hub::Hub::events`]); the
//! bridge hands it to the room if its actor is loaded, waiting for room in
//! its inbox rather than dropping it. A room that loads later asks the
//! [`LiveStatus`] the bridge registered when it starts.

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

/// What the bridge tells rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveNews {
    /// Started, ended and viewer counts: the local hub is the truth
    /// (standalone).
    Everything,
    /// Viewer counts only. In a cluster a room's stream may run on another
    /// replica, and a local stream may be a pull that stops while the
    /// stream goes on; the room's writer follows the stream's lease for
    /// started and ended instead.
    ViewersOnly,
}

/// Tells loaded rooms about their live streams until `shutdown`.
pub async fn watch_live(
    rooms: Rooms,
    live: Arc<Live>,
    news: LiveNews,
    mut shutdown: watch::Receiver<bool>,
) {
    // Subscribe first: a change after this is seen as an event, one before
    // it by the rooms that load (status) or are loaded (resync) now.
    let mut events = live.hub.events();
    if news == LiveNews::Everything {
        rooms.set_live_status(Arc::new(live.hub.clone()));
    }
    resync(&rooms, &live.hub, news).await;
    loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match event {
            Ok(event) => deliver(&rooms, event, news).await,
            Err(EventsError::Lagged { missed }) => {
                tracing::debug!(missed, "live news lagged; telling every loaded room again");
                resync(&rooms, &live.hub, news).await;
            }
            Err(EventsError::Closed) => return,
        }
    }
}

async fn deliver(rooms: &Rooms, event: StreamEvent, news: LiveNews) {
    let viewers_only = news == LiveNews::ViewersOnly;
    let (name, commands) = match event {
        StreamEvent::Viewers { name, count } => (name, vec![viewer_count(count)]),
        // A local stream that ended has no viewer left here.
        StreamEvent::Ended { name, .. } if viewers_only => (name, vec![viewer_count(0)]),
        _ if viewers_only => return,
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
async fn resync(rooms: &Rooms, hub: &Hub, news: LiveNews) {
    for id in rooms.running_ids() {
        let viewers = hub.viewers(id.as_str());
        let commands = match news {
            LiveNews::Everything => commands_for(viewers),
            LiveNews::ViewersOnly => viewers.map(viewer_count).into_iter().collect(),
        };
        for command in commands {
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
