//! `Close`: the room is deleted.

use crate::caller::Caller;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::room::Room;

/// Closes the room (server only, when the room is deleted). Members are
/// told; every later command fails with [`RoomError::RoomClosed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close;

impl Close {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        Caller::require_system(actor)?;
        room.closed = true;
        room.emit(now_ms, EventKind::RoomClosed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestRoom, CREATOR};

    #[test]
    fn a_closed_room_refuses_everything() {
        let mut t = TestRoom::new();
        assert_eq!(t.run(CREATOR, Close), Err(RoomError::SystemOnly));
        t.system(Close).unwrap();
        assert_eq!(t.events(), [EventKind::RoomClosed]);
        assert!(t.is_closed());
        assert_eq!(t.system(Close), Err(RoomError::RoomClosed));
        let leave = crate::command::Leave;
        assert_eq!(t.run(CREATOR, leave), Err(RoomError::RoomClosed));
    }
}
