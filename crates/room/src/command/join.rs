//! `Join`: a connection enters the room.

use crate::error::{Field, RoomError};
use crate::event::EventKind;
use crate::id::Actor;
use crate::member::{Member, Role, Seat};
use crate::room::Room;
use crate::text::{check_text, Lines};

/// A connection of the acting user enters the room. The first join makes
/// them a member; every join counts a connection, and the first open
/// connection makes them online.
///
/// Existing members come back without the password; newcomers need it
/// (`password_ok` is the caller's verdict on the password given). Guests,
/// who have no account, enter only password-less rooms that allow guests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The name to show (updated on every join).
    pub name: String,
    /// Whether the user has no account.
    pub guest: bool,
    /// Whether the caller verified the room's password.
    pub password_ok: bool,
}

impl Join {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let Actor::User(user) = actor else {
            return Err(RoomError::NotAMember);
        };
        if room.roster.is_banned(user) {
            return Err(RoomError::Banned);
        }
        let limit = room.limits.display_name_chars;
        let name = check_text(Field::DisplayName, &self.name, limit, Lines::One)?;
        let first_time = room.roster.seat(user).is_none();
        if first_time {
            self.admit(room)?;
            let role = if self.guest {
                Role::Guest
            } else {
                Role::Member
            };
            room.roster.insert(Seat::new(Member {
                user,
                name: name.clone(),
                role,
                custom_permissions: None,
                joined_at_ms: now_ms,
            }));
        }
        let Some(seat) = room.roster.seat_mut(user) else {
            return Err(RoomError::NotAMember);
        };
        let renamed = seat.member.name != name;
        seat.member.name = name;
        let came_online = room.roster.connect(user) == Some(true);
        if came_online {
            room.announce_online(user, first_time, now_ms);
        } else if renamed {
            if let Some(member) = room.member(user) {
                let by = Some(user);
                room.emit(now_ms, EventKind::MemberUpdated { member, by });
            }
        }
        Ok(())
    }

    /// Whether a newcomer may become a member.
    fn admit(&self, room: &Room) -> Result<(), RoomError> {
        let settings = &room.settings;
        if self.guest && (!settings.guests_allowed || settings.has_password) {
            return Err(RoomError::GuestsNotAllowed);
        }
        if settings.has_password && !self.password_ok {
            return Err(RoomError::WrongPassword);
        }
        let max = room.limits.max_members;
        if room.roster.len() >= max {
            return Err(RoomError::RoomFull { max });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Ban, Leave};
    use crate::limits::RoomLimits;
    use crate::settings::RoomSettings;
    use crate::testing::{TestRoom, ALICE, BOB, GUEST};

    fn join(name: &str, guest: bool, password_ok: bool) -> Join {
        Join {
            name: name.into(),
            guest,
            password_ok,
        }
    }

    fn locked() -> TestRoom {
        let mut settings = RoomSettings::new("locked");
        settings.has_password = true;
        settings.guests_allowed = true;
        TestRoom::with(settings, RoomLimits::default())
    }

    #[test]
    fn a_newcomer_joins_as_a_member_and_is_announced() {
        let mut t = TestRoom::new();
        t.run(ALICE, join("alice", false, false)).unwrap();
        let events = t.events();
        let [EventKind::MemberJoined {
            member,
            first_time,
            online,
        }] = &events[..]
        else {
            panic!("{events:?}");
        };
        assert!(first_time);
        assert_eq!(*online, 2, "the creator and alice");
        assert_eq!(member.role, Role::Member);
        assert!(member.online);
    }

    #[test]
    fn a_password_room_needs_the_password_once() {
        let mut t = locked();
        let err = t.run(ALICE, join("alice", false, false)).unwrap_err();
        assert_eq!(err, RoomError::WrongPassword);
        assert!(t.member(ALICE).is_none());
        t.run(ALICE, join("alice", false, true)).unwrap();
        t.run(ALICE, Leave).unwrap();
        t.run(ALICE, join("alice", false, false)).unwrap();
    }

    #[test]
    fn guests_enter_only_password_less_rooms_that_allow_them() {
        let mut t = TestRoom::new();
        let err = t.run(GUEST, join("guest", true, false)).unwrap_err();
        assert_eq!(err, RoomError::GuestsNotAllowed);
        let mut t = locked();
        let err = t.run(GUEST, join("guest", true, true)).unwrap_err();
        assert_eq!(err.code(), "guests_not_allowed");
        let mut settings = RoomSettings::new("open");
        settings.guests_allowed = true;
        let mut t = TestRoom::with(settings, RoomLimits::default());
        t.run(GUEST, join("guest", true, false)).unwrap();
        assert_eq!(t.member(GUEST).unwrap().role, Role::Guest);
    }

    #[test]
    fn a_second_connection_is_not_announced_again() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.events();
        t.join(ALICE);
        assert!(t.events().is_empty());
        t.run(ALICE, Leave).unwrap();
        assert!(t.events().is_empty(), "still one connection open");
        t.run(ALICE, Leave).unwrap();
        assert_eq!(
            t.events(),
            [EventKind::MemberLeft {
                user: ALICE,
                online: 1
            }]
        );
    }

    #[test]
    fn a_banned_user_cannot_rejoin() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.run(crate::testing::CREATOR, Ban { user: ALICE }).unwrap();
        let err = t.run(ALICE, join("alice", false, true)).unwrap_err();
        assert_eq!(err.code(), "banned");
    }

    #[test]
    fn a_full_room_admits_no_newcomer() {
        let limits = RoomLimits {
            max_members: 2,
            ..RoomLimits::default()
        };
        let mut t = TestRoom::with(RoomSettings::new("small"), limits);
        t.join(ALICE);
        let err = t.run(BOB, join("bob", false, true)).unwrap_err();
        assert_eq!(err, RoomError::RoomFull { max: 2 });
    }

    #[test]
    fn the_server_cannot_join() {
        let mut t = TestRoom::new();
        let err = t.system(join("server", false, true)).unwrap_err();
        assert_eq!(err, RoomError::NotAMember);
    }
}
