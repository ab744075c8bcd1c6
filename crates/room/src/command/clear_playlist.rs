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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Rate;
    use crate::command::{SetCurrent, SetRate};
    use crate::testing::{rid, TestRoom, ALICE, CREATOR};

    #[test]
    fn clearing_needs_delete_item_even_for_ones_own_items() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.events();
        let id = t.add(ALICE, None);
        let err = t.run(ALICE, ClearPlaylist).unwrap_err();
        assert_eq!(
            err,
            RoomError::PermissionDenied {
                needed: Permissions::DELETE_ITEM
            }
        );
        assert_eq!(t.events(), []);
        let ids: Vec<_> = t.playlist().iter().map(|item| item.id).collect();
        assert_eq!(ids, [id]);
    }

    #[test]
    fn clearing_removes_every_item_and_stops_playback_at_its_rate() {
        let mut t = TestRoom::new();
        let first = t.add(CREATOR, Some(60_000));
        let second = t.add(CREATOR, Some(60_000));
        let current = SetCurrent {
            id: first,
            request_id: rid("c"),
        };
        t.run(CREATOR, current).unwrap();
        let rate = Rate::from_milli(2000).unwrap();
        let faster = SetRate {
            rate,
            request_id: rid("r"),
        };
        t.run(CREATOR, faster).unwrap();
        t.advance(5_000);
        t.events();

        t.run(CREATOR, ClearPlaylist).unwrap();
        let stopped = PlaybackClock {
            item: None,
            playing: false,
            position_ms: 0,
            at_ms: t.now,
            rate,
        };
        assert_eq!(
            t.events(),
            [
                EventKind::PlaylistCleared { by: Some(CREATOR) },
                EventKind::PlaybackChanged {
                    clock: stopped,
                    by: Some(CREATOR)
                },
            ]
        );
        assert!(t.playlist().is_empty());
        assert_eq!(t.clock(), stopped);
        let next = t.add(CREATOR, None);
        assert!(next > second, "item ids are not reused");
    }

    #[test]
    fn clearing_without_a_current_item_leaves_playback_alone() {
        let mut t = TestRoom::new();
        t.add(CREATOR, None);
        let before = t.clock();
        t.advance(1_000);
        t.run(CREATOR, ClearPlaylist).unwrap();
        assert_eq!(
            t.events(),
            [EventKind::PlaylistCleared { by: Some(CREATOR) }]
        );
        assert_eq!(t.clock(), before);
        assert!(t.playlist().is_empty());
    }
}
