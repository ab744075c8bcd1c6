//! `SetCurrent`: choose the item everyone watches.

use crate::clock::PlaybackClock;
use crate::error::RoomError;
use crate::id::{Actor, ItemId, RequestId};
use crate::permission::Permissions;
use crate::room::Room;

/// Makes an item current and starts it from the beginning, playing, at
/// the room's current rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCurrent {
    /// Which item.
    pub id: ItemId,
    /// Makes a retry apply once.
    pub request_id: RequestId,
}

impl SetCurrent {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::SET_CURRENT)?;
        room.playlist.find(self.id)?;
        let clock = PlaybackClock {
            item: Some(self.id),
            playing: true,
            position_ms: 0,
            at_ms: now_ms,
            rate: room.clock.rate,
        };
        room.set_clock(clock, caller.user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;
    use crate::testing::{rid, TestRoom, ALICE, CREATOR};

    #[test]
    fn the_chosen_item_starts_from_zero_playing() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, None);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("1"),
            },
        )
        .unwrap();
        let clock = t.clock();
        assert_eq!(clock.item, Some(id));
        assert!(clock.playing);
        assert_eq!((clock.position_ms, clock.at_ms), (0, t.now));
        let by = Some(CREATOR);
        assert_eq!(t.events(), [EventKind::PlaybackChanged { clock, by }]);
    }

    #[test]
    fn a_missing_item_cannot_be_current() {
        let mut t = TestRoom::new();
        let set = SetCurrent {
            id: ItemId(4),
            request_id: rid("1"),
        };
        assert_eq!(t.run(CREATOR, set).unwrap_err().code(), "item_not_found");
    }

    #[test]
    fn setting_the_current_item_needs_its_permission() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let id = t.add(CREATOR, None);
        let mute = crate::command::SetPermissions {
            user: ALICE,
            permissions: Some(Permissions::CHAT),
        };
        t.run(CREATOR, mute).unwrap();
        let set = SetCurrent {
            id,
            request_id: rid("1"),
        };
        let denied = RoomError::PermissionDenied {
            needed: Permissions::SET_CURRENT,
        };
        assert_eq!(t.run(ALICE, set), Err(denied));
    }
}
