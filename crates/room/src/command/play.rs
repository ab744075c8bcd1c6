//! `Play`: resume playback.

use crate::error::RoomError;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;

/// Starts the clock from where it stands; an item that had reached its
/// end starts again from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// Makes a retry apply once.
    pub request_id: RequestId,
}

impl Play {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::CONTROL_PLAYBACK)?;
        let duration = room.current_item()?.duration_ms;
        let mut clock = room.clock.rebased(now_ms, duration);
        if duration.is_some_and(|d| clock.position_ms >= d) {
            clock.position_ms = 0;
        }
        clock.playing = true;
        room.set_clock(clock, caller.user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Pause, SetCurrent};
    use crate::testing::{rid, TestRoom, CREATOR};

    #[test]
    fn play_without_a_current_item_fails() {
        let mut t = TestRoom::new();
        let play = Play {
            request_id: rid("p"),
        };
        assert_eq!(t.run(CREATOR, play), Err(RoomError::NoCurrentItem));
    }

    #[test]
    fn play_resumes_where_pause_left_it() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, Some(600_000));
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.advance(5_000);
        t.run(
            CREATOR,
            Pause {
                request_id: rid("pa"),
            },
        )
        .unwrap();
        t.advance(60_000);
        t.run(
            CREATOR,
            Play {
                request_id: rid("pl"),
            },
        )
        .unwrap();
        t.advance(1_000);
        assert_eq!(t.clock_at(t.now).position_ms, 6_000);
    }

    #[test]
    fn play_at_the_end_starts_over() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, Some(10_000));
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.advance(20_000);
        let now = t.now;
        t.handle_timeout(now);
        assert!(!t.clock().playing);
        t.run(
            CREATOR,
            Play {
                request_id: rid("p"),
            },
        )
        .unwrap();
        assert_eq!(t.clock().position_ms, 0);
        assert!(t.clock().playing);
    }
}
