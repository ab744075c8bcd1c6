//! `Unban`: let a banned user join again.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, UserId};
use crate::permission::Permissions;
use crate::room::Room;

/// Lifts a ban. Unbanning a user who is not banned does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unban {
    /// Who.
    pub user: UserId,
}

impl Unban {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::MANAGE_MEMBERS)?;
        if room.roster.unban(self.user) {
            let by = caller.user;
            room.emit(
                now_ms,
                EventKind::MemberUnbanned {
                    user: self.user,
                    by,
                },
            );
        }
        Ok(())
    }
}
