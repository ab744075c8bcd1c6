//! `Kick`: remove a member, who may come back.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, UserId};
use crate::member::Role;
use crate::permission::Permissions;
use crate::room::Room;

/// Removes a member of lower role. They may join again (with the password
/// if the room has one); the caller closes their connections on
/// [`EventKind::MemberKicked`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kick {
    /// Who.
    pub user: UserId,
}

impl Kick {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::MANAGE_MEMBERS)?;
        let target = room
            .roster
            .seat(self.user)
            .ok_or(RoomError::MemberNotFound { user: self.user })?;
        caller.require_outranks(target.member.role)?;
        if target.member.role == Role::Creator {
            return Err(RoomError::Outranked);
        }
        room.roster.remove(self.user);
        room.emit(
            now_ms,
            EventKind::MemberKicked {
                user: self.user,
                by: caller.user,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SetRole;
    use crate::testing::{TestRoom, ALICE, BOB, CREATOR};

    #[test]
    fn an_admin_kicks_a_member_who_may_come_back() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        t.run(
            CREATOR,
            SetRole {
                user: ALICE,
                role: Role::Admin,
            },
        )
        .unwrap();
        t.events();
        t.run(ALICE, Kick { user: BOB }).unwrap();
        let by = Some(ALICE);
        assert_eq!(t.events(), [EventKind::MemberKicked { user: BOB, by }]);
        assert!(t.member(BOB).is_none());
        t.join(BOB);
    }

    #[test]
    fn a_member_without_manage_permission_cannot_kick() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        let err = t.run(ALICE, Kick { user: BOB }).unwrap_err();
        assert_eq!(err.code(), "permission_denied");
    }

    #[test]
    fn nobody_kicks_an_equal_or_the_creator() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        for user in [ALICE, BOB] {
            t.run(
                CREATOR,
                SetRole {
                    user,
                    role: Role::Admin,
                },
            )
            .unwrap();
        }
        assert_eq!(t.run(ALICE, Kick { user: BOB }), Err(RoomError::Outranked));
        assert_eq!(
            t.run(ALICE, Kick { user: CREATOR }),
            Err(RoomError::Outranked)
        );
        assert_eq!(t.system(Kick { user: CREATOR }), Err(RoomError::Outranked));
    }
}
