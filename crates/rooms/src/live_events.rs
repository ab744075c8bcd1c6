//! The live engine's news for rooms: a stream started or ended, and how
//! many watch. Polled from the hub once a second and told to the rooms
//! that are loaded (a room loads its status when it starts).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use live::Live;
use room::{Actor, LiveEnded, LiveStarted, RoomCommand, ViewerCount};
use tokio::sync::watch;

use crate::registry::Rooms;

const EVERY: Duration = Duration::from_secs(1);

/// Tells loaded rooms about their live streams until `shutdown`.
pub async fn watch_live(rooms: Rooms, live: Arc<Live>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        let streams: HashMap<String, usize> = live
            .hub
            .streams()
            .into_iter()
            .map(|s| (s.name, s.viewers))
            .collect();
        for id in rooms.running_ids() {
            for command in commands_for(streams.get(id.as_str()).copied()) {
                rooms.tell(&id, Actor::System, command);
            }
        }
    }
}

/// What a room is told about its stream (`None`: not publishing). The
/// room ignores what it already knows.
fn commands_for(viewers: Option<usize>) -> Vec<RoomCommand> {
    match viewers {
        Some(viewers) => vec![
            LiveStarted.into(),
            ViewerCount {
                viewers: viewers as u64,
            }
            .into(),
        ],
        None => vec![LiveEnded.into()],
    }
}
