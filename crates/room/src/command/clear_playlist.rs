//! `ClearPlaylist`: remove every item.

use crate::clock::PlaybackClock;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::permission::Permissions;
use crate::room::Room;

/// Removes every item and stops playback. Item ids are not reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearPlaylist;

impl ClearPlaylist {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::DELETE_ITEM)?;
        room.playlist.clear();
        let by = caller.user;
        room.emit(now_ms, EventKind::PlaylistCleared { by });
        if room.clock.item.is_some() {
            let stopped = PlaybackClock {
                rate: room.clock.rate,
                ..PlaybackClock::idle(now_ms)
            };
            room.set_clock(stopped, by, now_ms);
        }
        Ok(())
    }
}
