//! `Ban`: remove a user for good.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, UserId};
use crate::member::Role;
use crate::permission::Permissions;
use crate::room::Room;

/// Removes a user (a member of lower role, or anyone not a member) and
/// keeps them out until unbanned. Banning a banned user does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ban {
    /// Who.
    pub user: UserId,
}

impl Ban {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::MANAGE_MEMBERS)?;
        if room.roster.is_banned(self.user) {
            return Ok(());
        }
        if let Some(target) = room.roster.seat(self.user) {
            caller.require_outranks(target.member.role)?;
            if target.member.role == Role::Creator {
                return Err(RoomError::Outranked);
            }
        }
        let max = room.limits.max_banned;
        if room.roster.banned_len() >= max {
            return Err(RoomError::BanListFull { max });
        }
        room.roster.remove(self.user);
        room.roster.ban(self.user);
        let by = caller.user;
        room.emit(
            now_ms,
            EventKind::MemberBanned {
                user: self.user,
                by,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{SendChat, Unban};
    use crate::testing::{TestRoom, ALICE, CREATOR};

    #[test]
    fn a_banned_member_is_removed_and_can_do_nothing() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.run(CREATOR, Ban { user: ALICE }).unwrap();
        assert!(t.member(ALICE).is_none());
        assert_eq!(t.banned(), [ALICE]);
        let chat = SendChat {
            text: "hi".into(),
            request_id: None,
        };
        assert_eq!(t.run(ALICE, chat), Err(RoomError::Banned));
    }

    #[test]
    fn a_user_can_be_banned_before_joining_and_unbanned() {
        let mut t = TestRoom::new();
        t.run(CREATOR, Ban { user: ALICE }).unwrap();
        t.events();
        assert_eq!(t.run(CREATOR, Ban { user: ALICE }).unwrap().events, 0);
        t.run(CREATOR, Unban { user: ALICE }).unwrap();
        t.join(ALICE);
    }

    #[test]
    fn the_ban_list_is_bounded() {
        let limits = crate::limits::RoomLimits {
            max_banned: 1,
            ..Default::default()
        };
        let mut t = TestRoom::with(crate::settings::RoomSettings::new("r"), limits);
        t.run(CREATOR, Ban { user: UserId(10) }).unwrap();
        let err = t.run(CREATOR, Ban { user: UserId(11) }).unwrap_err();
        assert_eq!(err.code(), "ban_list_full");
    }
}
