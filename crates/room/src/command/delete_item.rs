//! `DeleteItem`: remove an item from the playlist.

use crate::clock::PlaybackClock;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, ItemId};
use crate::permission::Permissions;
use crate::room::Room;

/// Removes an item. Needs [`Permissions::DELETE_ITEM`], except for one's
/// own items. Deleting the current item stops playback (no item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteItem {
    /// Which item.
    pub id: ItemId,
}

impl DeleteItem {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        let item = room.playlist.find(self.id)?;
        caller.require_or_own(Permissions::DELETE_ITEM, item.added_by)?;
        room.playlist.remove(self.id)?;
        let by = caller.user;
        room.emit(now_ms, EventKind::ItemDeleted { id: self.id, by });
        if room.clock.item == Some(self.id) {
            let stopped = PlaybackClock {
                rate: room.clock.rate,
                ..PlaybackClock::idle(now_ms)
            };
            room.set_clock(stopped, by, now_ms);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SetCurrent;
    use crate::testing::{rid, TestRoom, ALICE, BOB, CREATOR};

    #[test]
    fn deleting_the_current_item_stops_playback() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, Some(60_000));
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.events();
        t.run(CREATOR, DeleteItem { id }).unwrap();
        let events = t.events();
        assert_eq!(
            events[0],
            EventKind::ItemDeleted {
                id,
                by: Some(CREATOR)
            }
        );
        assert_eq!(t.clock().item, None);
        assert!(!t.clock().playing);
        assert!(t.playlist().is_empty());
    }

    #[test]
    fn members_delete_only_their_own_items() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        let id = t.add(ALICE, None);
        let err = t.run(BOB, DeleteItem { id }).unwrap_err();
        assert_eq!(err.code(), "permission_denied");
        t.run(ALICE, DeleteItem { id }).unwrap();
    }
}
