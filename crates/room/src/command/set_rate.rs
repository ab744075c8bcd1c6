//! `SetRate`: change the playback speed.

use crate::clock::Rate;
use crate::error::RoomError;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;

/// Changes the rate from now on (the position so far is kept). Allowed
/// with no current item (the rate carries over); not on the live stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetRate {
    /// The new rate (already bounded by [`Rate`]).
    pub rate: Rate,
    /// Makes a retry apply once.
    pub request_id: RequestId,
}

impl SetRate {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::CONTROL_PLAYBACK)?;
        let duration = match room.current_item() {
            Ok(item) if item.is_live() => return Err(RoomError::NotSeekable),
            Ok(item) => item.duration_ms,
            Err(_) => None,
        };
        let mut clock = room.clock.rebased(now_ms, duration);
        clock.rate = self.rate;
        room.set_clock(clock, caller.user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SetCurrent;
    use crate::testing::{rid, TestRoom, CREATOR};

    #[test]
    fn a_new_rate_applies_from_now_on() {
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
        t.advance(10_000);
        let rate = Rate::from_f64(2.0).unwrap();
        t.run(
            CREATOR,
            SetRate {
                rate,
                request_id: rid("r"),
            },
        )
        .unwrap();
        t.advance(10_000);
        assert_eq!(t.clock_at(t.now).position_ms, 30_000);
    }

    #[test]
    fn the_rate_carries_over_to_the_next_item() {
        let mut t = TestRoom::new();
        let rate = Rate::from_milli(500).unwrap();
        t.run(
            CREATOR,
            SetRate {
                rate,
                request_id: rid("r"),
            },
        )
        .unwrap();
        let id = t.add(CREATOR, None);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.advance(4_000);
        assert_eq!(t.clock_at(t.now).position_ms, 2_000);
    }
}
