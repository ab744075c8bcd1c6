//! `Seek`: move the playback position.

use crate::error::RoomError;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;

/// Moves the position, keeping playing or paused as it was. The position
/// must lie within the item when its duration is known, and within
/// [`RoomLimits::max_position_ms`](crate::RoomLimits) otherwise. The live
/// stream cannot be seeked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seek {
    /// Where to, in milliseconds of media time.
    pub position_ms: u64,
    /// Makes a retry apply once.
    pub request_id: RequestId,
}

impl Seek {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::CONTROL_PLAYBACK)?;
        let item = room.current_item()?;
        if item.is_live() {
            return Err(RoomError::NotSeekable);
        }
        let end = item.duration_ms.unwrap_or(room.limits.max_position_ms);
        if self.position_ms > end {
            let position_ms = self.position_ms;
            return Err(RoomError::InvalidPosition { position_ms });
        }
        let mut clock = room.clock.rebased(now_ms, item.duration_ms);
        clock.position_ms = self.position_ms;
        room.set_clock(clock, caller.user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{AddItem, SetCurrent};
    use crate::playlist::NewSource;
    use crate::testing::{rid, TestRoom, ALICE, CREATOR};

    fn seek(position_ms: u64, id: &str) -> Seek {
        Seek {
            position_ms,
            request_id: rid(id),
        }
    }

    fn playing(t: &mut TestRoom, duration_ms: Option<u64>) {
        let id = t.add(CREATOR, duration_ms);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.events();
    }

    #[test]
    fn a_seek_moves_a_playing_clock_which_keeps_going() {
        let mut t = TestRoom::new();
        playing(&mut t, None);
        t.advance(1_000);
        t.run(CREATOR, seek(90_000, "s")).unwrap();
        t.advance(2_000);
        assert_eq!(t.clock_at(t.now).position_ms, 92_000);
    }

    #[test]
    fn a_retried_seek_applies_once() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        playing(&mut t, None);
        let first = t.run(ALICE, seek(30_000, "seek-7")).unwrap();
        assert_eq!(t.events().len(), 1);
        t.advance(1_500);
        let retry = t.run(ALICE, seek(30_000, "seek-7")).unwrap();
        assert!(retry.replayed);
        assert_eq!((retry.seq, retry.events), (first.seq, first.events));
        assert!(t.events().is_empty(), "nothing new to broadcast");
        assert_eq!(t.clock_at(t.now).position_ms, 31_500, "not sent back");
    }

    #[test]
    fn a_reused_request_id_for_another_seek_is_refused() {
        let mut t = TestRoom::new();
        playing(&mut t, None);
        t.run(CREATOR, seek(1_000, "s")).unwrap();
        let err = t.run(CREATOR, seek(2_000, "s")).unwrap_err();
        assert_eq!(err.code(), "request_id_reused");
    }

    #[test]
    fn the_same_request_id_from_another_member_is_another_request() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        playing(&mut t, None);
        t.run(CREATOR, seek(1_000, "s")).unwrap();
        let other = t.run(ALICE, seek(1_000, "s")).unwrap();
        assert!(!other.replayed);
    }

    #[test]
    fn a_seek_stays_within_the_item() {
        let mut t = TestRoom::new();
        playing(&mut t, Some(60_000));
        t.run(CREATOR, seek(60_000, "end")).unwrap();
        let err = t.run(CREATOR, seek(60_001, "past")).unwrap_err();
        assert_eq!(
            err,
            RoomError::InvalidPosition {
                position_ms: 60_001
            }
        );
    }

    #[test]
    fn the_live_stream_cannot_be_seeked() {
        let mut t = TestRoom::new();
        let live = AddItem {
            title: String::new(),
            source: NewSource::Live,
            duration_ms: None,
            request_id: None,
        };
        t.run(CREATOR, live).unwrap();
        let id = t.playlist()[0].id;
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        assert_eq!(t.run(CREATOR, seek(0, "s")), Err(RoomError::NotSeekable));
    }

    #[test]
    fn a_failed_seek_is_judged_afresh_on_retry() {
        let mut t = TestRoom::new();
        let err = t.run(CREATOR, seek(5, "s")).unwrap_err();
        assert_eq!(err, RoomError::NoCurrentItem);
        playing(&mut t, None);
        let retry = t.run(CREATOR, seek(5, "s")).unwrap();
        assert!(!retry.replayed);
    }
}
