//! `ViewerCount`: the live engine reports how many watch.

use crate::caller::Caller;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::room::Room;

/// The live stream's viewer count (server only). An unchanged count emits
/// nothing, so the engine may report on a timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewerCount {
    /// Viewers now.
    pub viewers: u64,
}

impl ViewerCount {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        Caller::require_system(actor)?;
        if room.live.viewers == self.viewers {
            return Ok(());
        }
        room.live.viewers = self.viewers;
        let viewers = self.viewers;
        room.emit(now_ms, EventKind::ViewerCount { viewers });
        Ok(())
    }
}
