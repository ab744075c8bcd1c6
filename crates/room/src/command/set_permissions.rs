//! `SetPermissions`: give one member permissions of their own.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, UserId};
use crate::permission::Permissions;
use crate::room::Room;

/// Sets a member's own permissions (`None` returns them to their role's
/// defaults). The caller must outrank the member and may grant only
/// permissions they hold themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetPermissions {
    /// Who.
    pub user: UserId,
    /// Their own permissions, or `None` for the role's defaults.
    pub permissions: Option<Permissions>,
}

impl SetPermissions {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::MANAGE_MEMBERS)?;
        if let Some(granted) = self.permissions {
            caller.require_grantable(granted)?;
        }
        let seat = room
            .roster
            .seat_mut(self.user)
            .ok_or(RoomError::MemberNotFound { user: self.user })?;
        caller.require_outranks(seat.member.role)?;
        seat.member.custom_permissions = self.permissions;
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
    use crate::command::{SendChat, SetRole};
    use crate::member::Role;
    use crate::testing::{TestRoom, ALICE, BOB, CREATOR};

    #[test]
    fn a_muted_member_cannot_chat_until_reset() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let mute = SetPermissions {
            user: ALICE,
            permissions: Some(Permissions::NONE),
        };
        t.run(CREATOR, mute).unwrap();
        let chat = || SendChat {
            text: "hi".into(),
            request_id: None,
        };
        let err = t.run(ALICE, chat()).unwrap_err();
        assert_eq!(
            err,
            RoomError::PermissionDenied {
                needed: Permissions::CHAT
            }
        );
        let reset = SetPermissions {
            user: ALICE,
            permissions: None,
        };
        t.run(CREATOR, reset).unwrap();
        t.run(ALICE, chat()).unwrap();
    }

    #[test]
    fn nobody_grants_what_they_do_not_hold() {
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
        let limited = Permissions::MANAGE_MEMBERS | Permissions::CHAT;
        let limit = SetPermissions {
            user: ALICE,
            permissions: Some(limited),
        };
        t.run(CREATOR, limit).unwrap();
        let grant = SetPermissions {
            user: BOB,
            permissions: Some(Permissions::GO_LIVE),
        };
        let err = t.run(ALICE, grant).unwrap_err();
        assert_eq!(
            err,
            RoomError::PermissionDenied {
                needed: Permissions::GO_LIVE
            }
        );
    }
}
