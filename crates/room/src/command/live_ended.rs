//! `LiveEnded`: the live engine reports the publisher gone.

use crate::caller::Caller;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::room::Room;

/// The room's stream ended (server only). Ending a stream that is not
/// live changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveEnded;

impl LiveEnded {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        Caller::require_system(actor)?;
        if !room.live.live {
            return Ok(());
        }
        room.live = Default::default();
        room.emit(now_ms, EventKind::LiveEnded);
        Ok(())
    }
}
