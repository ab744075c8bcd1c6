//! Members: roles, custom permissions, presence and the ban list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::id::UserId;
use crate::permission::Permissions;
use crate::rate_limit::TokenBucket;
use crate::settings::RoomSettings;

/// A member's role, lowest first: a role outranks every role before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Someone without an account; forgotten when they leave.
    Guest,
    /// An account holder who joined.
    Member,
    /// Named by the creator; manages members by default.
    Admin,
    /// Who created the room; holds every permission and cannot be removed.
    Creator,
}

impl Role {
    /// The role's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Creator => "creator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member as stored (`room_members`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Who.
    pub user: UserId,
    /// The name shown in the room.
    pub name: String,
    /// The role.
    pub role: Role,
    /// Permissions set for this member alone; `None` follows the role's
    /// defaults in the settings.
    pub custom_permissions: Option<Permissions>,
    /// When they first joined.
    pub joined_at_ms: i64,
}

impl Member {
    /// What this member may do under `settings`.
    pub fn permissions(&self, settings: &RoomSettings) -> Permissions {
        match (self.role, self.custom_permissions) {
            (Role::Creator, _) => Permissions::ALL,
            (_, Some(custom)) => custom,
            (role, None) => settings.role_permissions(role),
        }
    }
}

/// A member as shown to clients: effective permissions and presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Who.
    pub user: UserId,
    /// The name shown in the room.
    pub name: String,
    /// The role.
    pub role: Role,
    /// What they may do now.
    pub permissions: Permissions,
    /// Whether they have at least one open connection.
    pub online: bool,
}

/// A member plus what the room tracks only while it runs.
#[derive(Debug, Clone)]
pub(crate) struct Seat {
    pub(crate) member: Member,
    /// Open connections; the member is online while this is above zero.
    pub(crate) connections: u32,
    /// When they last came online, in the roster's own order (higher is
    /// more recent).
    online_since: u64,
    pub(crate) chat: TokenBucket,
    pub(crate) danmaku: TokenBucket,
    pub(crate) control: TokenBucket,
}

impl Seat {
    pub(crate) fn new(member: Member) -> Self {
        Self {
            member,
            connections: 0,
            online_since: 0,
            chat: TokenBucket::new(),
            danmaku: TokenBucket::new(),
            control: TokenBucket::new(),
        }
    }

    pub(crate) fn info(&self, settings: &RoomSettings) -> MemberInfo {
        MemberInfo {
            user: self.member.user,
            name: self.member.name.clone(),
            role: self.member.role,
            permissions: self.member.permissions(settings),
            online: self.connections > 0,
        }
    }
}

/// Everyone who belongs to the room, and who may not.
///
/// Who is online is kept apart, in the order they came online, so the
/// count and the most recent arrivals cost nothing in a room of thousands.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    seats: BTreeMap<UserId, Seat>,
    banned: BTreeSet<UserId>,
    /// The online members by (`online_since`, user).
    online: BTreeSet<(u64, UserId)>,
    /// The `online_since` the next member to come online gets.
    next_online: u64,
}

impl Roster {
    /// Counts a new connection of `user`: `Some(true)` when it brought
    /// them online, `None` when they are not a member.
    pub(crate) fn connect(&mut self, user: UserId) -> Option<bool> {
        let seat = self.seats.get_mut(&user)?;
        seat.connections = seat.connections.saturating_add(1);
        if seat.connections > 1 {
            return Some(false);
        }
        self.next_online += 1;
        seat.online_since = self.next_online;
        self.online.insert((seat.online_since, user));
        Some(true)
    }

    /// Counts a closed connection of `user`: `Some(true)` when it was
    /// their last one, `None` when they are not a member or had none open.
    pub(crate) fn disconnect(&mut self, user: UserId) -> Option<bool> {
        let seat = self.seats.get_mut(&user)?;
        if seat.connections == 0 {
            return None;
        }
        seat.connections -= 1;
        if seat.connections > 0 {
            return Some(false);
        }
        self.online.remove(&(seat.online_since, user));
        Some(true)
    }

    /// How many members are online.
    pub(crate) fn online_len(&self) -> usize {
        self.online.len()
    }

    /// The online members, most recently arrived first.
    pub(crate) fn online_newest_first(&self) -> impl Iterator<Item = &Seat> {
        self.online
            .iter()
            .rev()
            .filter_map(|(_, user)| self.seats.get(user))
    }

    /// Members after `after` in user id order (from the first when `None`).
    pub(crate) fn seats_after(&self, after: Option<UserId>) -> impl Iterator<Item = &Seat> {
        use std::ops::Bound::{Excluded, Unbounded};
        let from = after.map_or(Unbounded, Excluded);
        self.seats.range((from, Unbounded)).map(|(_, seat)| seat)
    }

    pub(crate) fn seat(&self, user: UserId) -> Option<&Seat> {
        self.seats.get(&user)
    }

    pub(crate) fn seat_mut(&mut self, user: UserId) -> Option<&mut Seat> {
        self.seats.get_mut(&user)
    }

    pub(crate) fn insert(&mut self, seat: Seat) {
        self.seats.insert(seat.member.user, seat);
    }

    pub(crate) fn remove(&mut self, user: UserId) -> Option<Seat> {
        let seat = self.seats.remove(&user)?;
        self.online.remove(&(seat.online_since, user));
        Some(seat)
    }

    pub(crate) fn len(&self) -> usize {
        self.seats.len()
    }

    pub(crate) fn seats(&self) -> impl Iterator<Item = &Seat> {
        self.seats.values()
    }

    pub(crate) fn is_banned(&self, user: UserId) -> bool {
        self.banned.contains(&user)
    }

    pub(crate) fn ban(&mut self, user: UserId) -> bool {
        self.banned.insert(user)
    }

    pub(crate) fn unban(&mut self, user: UserId) -> bool {
        self.banned.remove(&user)
    }

    pub(crate) fn banned(&self) -> impl Iterator<Item = UserId> + '_ {
        self.banned.iter().copied()
    }

    pub(crate) fn banned_len(&self) -> usize {
        self.banned.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, custom: Option<Permissions>) -> Member {
        Member {
            user: UserId(1),
            name: "a".into(),
            role,
            custom_permissions: custom,
            joined_at_ms: 0,
        }
    }

    #[test]
    fn roles_rank_guest_member_admin_creator() {
        assert!(Role::Guest < Role::Member);
        assert!(Role::Member < Role::Admin);
        assert!(Role::Admin < Role::Creator);
    }

    #[test]
    fn custom_permissions_override_the_role_defaults() {
        let settings = RoomSettings::new("r");
        let plain = member(Role::Member, None);
        assert_eq!(plain.permissions(&settings), RoomSettings::DEFAULT_MEMBER);
        let muted = member(Role::Member, Some(Permissions::NONE));
        assert_eq!(muted.permissions(&settings), Permissions::NONE);
    }

    #[test]
    fn the_creator_always_holds_every_permission() {
        let settings = RoomSettings::new("r");
        let creator = member(Role::Creator, Some(Permissions::NONE));
        assert_eq!(creator.permissions(&settings), Permissions::ALL);
    }
}
