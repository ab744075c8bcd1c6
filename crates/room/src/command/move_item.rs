//! `MoveItem`: reorder the playlist.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, ItemId};
use crate::permission::Permissions;
use crate::room::Room;

/// Moves an item right after another, or to the top. Positions are named
/// by item, not index, so concurrent moves cannot land on the wrong item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveItem {
    /// Which item.
    pub id: ItemId,
    /// The item it will follow; `None` for the top.
    pub after: Option<ItemId>,
}

impl MoveItem {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::EDIT_ITEM)?;
        room.playlist.move_after(self.id, self.after)?;
        if self.after == Some(self.id) {
            return Ok(()); // after itself: where it already is
        }
        let (id, after, by) = (self.id, self.after, caller.user);
        room.emit(now_ms, EventKind::ItemMoved { id, after, by });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestRoom, ALICE, CREATOR};

    #[test]
    fn an_item_moves_after_another() {
        let mut t = TestRoom::new();
        let a = t.add(CREATOR, None);
        let b = t.add(CREATOR, None);
        let c = t.add(CREATOR, None);
        t.run(
            CREATOR,
            MoveItem {
                id: a,
                after: Some(c),
            },
        )
        .unwrap();
        let order: Vec<ItemId> = t.playlist().iter().map(|i| i.id).collect();
        assert_eq!(order, [b, c, a]);
        t.run(CREATOR, MoveItem { id: a, after: None }).unwrap();
        assert_eq!(t.playlist()[0].id, a);
    }

    #[test]
    fn moving_needs_the_edit_permission() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let a = t.add(ALICE, None);
        let err = t.run(ALICE, MoveItem { id: a, after: None }).unwrap_err();
        assert_eq!(err.code(), "permission_denied");
    }
}
