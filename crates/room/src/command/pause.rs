//! `Pause`: stop the clock where it stands.

use crate::error::RoomError;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;

/// Stops the clock at its position now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pause {
    /// Makes a retry apply once.
    pub request_id: RequestId,
}

impl Pause {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::CONTROL_PLAYBACK)?;
        let duration = room.current_item()?.duration_ms;
        let mut clock = room.clock.rebased(now_ms, duration);
        clock.playing = false;
        room.set_clock(clock, caller.user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{SetCurrent, SetPermissions};
    use crate::testing::{rid, TestRoom, ALICE, CREATOR};

    #[test]
    fn pause_freezes_the_position_at_its_time() {
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
        t.advance(2_500);
        t.run(
            CREATOR,
            Pause {
                request_id: rid("p"),
            },
        )
        .unwrap();
        t.advance(10_000);
        let clock = t.clock_at(t.now);
        assert_eq!((clock.position_ms, clock.playing), (2_500, false));
    }

    #[test]
    fn a_member_without_control_permission_cannot_pause() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let id = t.add(CREATOR, None);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        let watch_only = SetPermissions {
            user: ALICE,
            permissions: Some(Permissions::CHAT),
        };
        t.run(CREATOR, watch_only).unwrap();
        t.events();
        let err = t
            .run(
                ALICE,
                Pause {
                    request_id: rid("p"),
                },
            )
            .unwrap_err();
        let needed = Permissions::CONTROL_PLAYBACK;
        assert_eq!(err, RoomError::PermissionDenied { needed });
        assert!(t.clock().playing);
        assert!(t.events().is_empty());
    }
}
