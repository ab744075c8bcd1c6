//! `Leave`: a connection leaves the room.

use crate::error::RoomError;
use crate::id::Actor;
use crate::member::Role;
use crate::room::Room;

/// A connection of the acting user closes. When the last one closes the
/// member is offline (and a guest is forgotten). Leaving with no open
/// connection does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave;

impl Leave {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let Actor::User(user) = actor else {
            return Err(RoomError::NotAMember);
        };
        let seat = room.roster.seat(user).ok_or(RoomError::NotAMember)?;
        let guest = seat.member.role == Role::Guest;
        if room.roster.disconnect(user) != Some(true) {
            return Ok(());
        }
        if guest {
            room.roster.remove(user);
        }
        room.announce_offline(user, now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Join;
    use crate::limits::RoomLimits;
    use crate::settings::RoomSettings;
    use crate::testing::{TestRoom, ALICE, GUEST};

    #[test]
    fn a_member_who_leaves_stays_a_member_offline() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.run(ALICE, Leave).unwrap();
        assert!(!t.member(ALICE).unwrap().online);
        assert!(t.snapshot(t.now).members.iter().all(|m| m.user != ALICE));
    }

    #[test]
    fn a_guest_who_leaves_is_forgotten() {
        let mut settings = RoomSettings::new("open");
        settings.guests_allowed = true;
        let mut t = TestRoom::with(settings, RoomLimits::default());
        let join = Join {
            name: "guest".into(),
            guest: true,
            password_ok: false,
        };
        t.run(GUEST, join).unwrap();
        t.run(GUEST, Leave).unwrap();
        assert!(t.member(GUEST).is_none());
    }

    #[test]
    fn leaving_without_a_connection_does_nothing() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.run(ALICE, Leave).unwrap();
        t.events();
        let receipt = t.run(ALICE, Leave).unwrap();
        assert_eq!(receipt.events, 0);
    }
}
