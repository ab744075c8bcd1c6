//! `EditItem`: change an item's title, source or duration.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, ItemId};
use crate::permission::Permissions;
use crate::playlist::{check_title, NewSource, PlaylistItem};
use crate::room::Room;

use super::add_item::checked_duration;

/// Changes an item. Needs [`Permissions::EDIT_ITEM`], except for one's own
/// items. If the current item's source changes, playback restarts at 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditItem {
    /// Which item.
    pub id: ItemId,
    /// A new title (empty means the default title).
    pub title: Option<String>,
    /// A new source.
    pub source: Option<NewSource>,
    /// A new duration.
    pub duration_ms: Option<u64>,
}

impl EditItem {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        let item = room.playlist.find(self.id)?;
        caller.require_or_own(Permissions::EDIT_ITEM, item.added_by)?;
        let edited = self.edited(item, room)?;
        let source_changed = edited.source != item.source;
        room.playlist.replace(edited.clone())?;
        let by = caller.user;
        room.emit(now_ms, EventKind::ItemEdited { item: edited, by });
        if room.clock.item == Some(self.id) && source_changed {
            let clock = room.clock;
            let restarted = crate::clock::PlaybackClock {
                position_ms: 0,
                at_ms: now_ms,
                ..clock
            };
            room.set_clock(restarted, by, now_ms);
        }
        Ok(())
    }

    fn edited(&self, item: &PlaylistItem, room: &Room) -> Result<PlaylistItem, RoomError> {
        let limits = &room.limits;
        let source = match &self.source {
            Some(source) => source.checked(limits.url_bytes)?,
            None => item.source.clone(),
        };
        let title = match &self.title {
            Some(title) => check_title(title, &source, limits.title_chars)?,
            None => item.title.clone(),
        };
        let duration = self.duration_ms.or(item.duration_ms);
        let duration_ms = checked_duration(&source, duration, limits.max_position_ms)?;
        Ok(PlaylistItem {
            title,
            source,
            duration_ms,
            ..item.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Play, SetCurrent};
    use crate::testing::{rid, TestRoom, ALICE, BOB, CREATOR};

    fn retitle(id: ItemId, title: &str) -> EditItem {
        EditItem {
            id,
            title: Some(title.into()),
            source: None,
            duration_ms: None,
        }
    }

    #[test]
    fn members_edit_their_own_items_only() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        let id = t.add(ALICE, None);
        t.run(ALICE, retitle(id, "mine")).unwrap();
        let err = t.run(BOB, retitle(id, "theirs")).unwrap_err();
        assert_eq!(err.code(), "permission_denied");
        t.run(CREATOR, retitle(id, "the host's")).unwrap();
        assert_eq!(t.playlist()[0].title, "the host's");
    }

    #[test]
    fn a_new_source_restarts_the_current_item() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, None);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.run(
            CREATOR,
            Play {
                request_id: rid("p"),
            },
        )
        .unwrap();
        t.advance(30_000);
        t.events();
        let edit = EditItem {
            id,
            title: None,
            source: Some(NewSource::Url {
                url: "https://x/better.webm".into(),
                kind: None,
            }),
            duration_ms: None,
        };
        t.run(CREATOR, edit).unwrap();
        let events = t.events();
        assert!(matches!(events[0], EventKind::ItemEdited { .. }));
        let EventKind::PlaybackChanged { clock, .. } = &events[1] else {
            panic!("{events:?}");
        };
        assert_eq!((clock.position_ms, clock.playing), (0, true));
    }

    #[test]
    fn editing_a_missing_item_fails() {
        let mut t = TestRoom::new();
        let err = t.run(CREATOR, retitle(ItemId(7), "x")).unwrap_err();
        assert_eq!(err, RoomError::ItemNotFound { id: ItemId(7) });
    }
}
