//! `SetRole`: make a member an admin, or an admin a member.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, UserId};
use crate::member::Role;
use crate::permission::Permissions;
use crate::room::Room;

/// Changes a member's role between [`Role::Member`] and [`Role::Admin`].
/// The caller must outrank both the member's current role and the new one,
/// so only the creator names or demotes admins. Guests stay guests (they
/// have no account) and the creator stays the creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetRole {
    /// Who.
    pub user: UserId,
    /// Their new role.
    pub role: Role,
}

impl SetRole {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::MANAGE_MEMBERS)?;
        if !matches!(self.role, Role::Member | Role::Admin) {
            return Err(RoomError::RoleNotAssignable { role: self.role });
        }
        let seat = room
            .roster
            .seat_mut(self.user)
            .ok_or(RoomError::MemberNotFound { user: self.user })?;
        let current = seat.member.role;
        if matches!(current, Role::Guest | Role::Creator) {
            return Err(RoomError::RoleNotAssignable { role: current });
        }
        caller.require_outranks(current)?;
        caller.require_outranks(self.role)?;
        if current == self.role {
            return Ok(());
        }
        seat.member.role = self.role;
        if let Some(member) = room.member(self.user) {
            let by = caller.user;
            room.emit(now_ms, EventKind::MemberUpdated { member, by });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestRoom, ALICE, BOB, CREATOR};

    fn admin(t: &mut TestRoom, user: UserId) {
        t.run(
            CREATOR,
            SetRole {
                user,
                role: Role::Admin,
            },
        )
        .unwrap();
    }

    #[test]
    fn the_creator_names_an_admin_who_gets_admin_permissions() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.events();
        admin(&mut t, ALICE);
        let member = t.member(ALICE).unwrap();
        assert_eq!(member.role, Role::Admin);
        assert_eq!(member.permissions, Permissions::ALL);
        assert!(matches!(t.events()[..], [EventKind::MemberUpdated { .. }]));
    }

    #[test]
    fn an_admin_cannot_name_or_demote_admins() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.join(BOB);
        admin(&mut t, ALICE);
        let promote = SetRole {
            user: BOB,
            role: Role::Admin,
        };
        assert_eq!(t.run(ALICE, promote), Err(RoomError::Outranked));
        admin(&mut t, BOB);
        let demote = SetRole {
            user: BOB,
            role: Role::Member,
        };
        assert_eq!(t.run(ALICE, demote), Err(RoomError::Outranked));
    }

    #[test]
    fn nobody_becomes_creator_or_guest() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        for role in [Role::Creator, Role::Guest] {
            let err = t.run(CREATOR, SetRole { user: ALICE, role }).unwrap_err();
            assert_eq!(err.code(), "role_not_assignable");
        }
        let demote_creator = SetRole {
            user: CREATOR,
            role: Role::Member,
        };
        assert_eq!(
            t.system(demote_creator).unwrap_err().code(),
            "role_not_assignable"
        );
    }
}
