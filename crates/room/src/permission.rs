//! Permission bits held by members.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// A set of permissions, stored as bits (the `room_members.permissions`
/// column holds [`Permissions::bits`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u32);

impl Permissions {
    /// No permission at all.
    pub const NONE: Self = Self(0);
    /// Add items to the playlist.
    pub const ADD_ITEM: Self = Self(1 << 0);
    /// Edit or move anyone's items (everyone may edit their own).
    pub const EDIT_ITEM: Self = Self(1 << 1);
    /// Delete anyone's items or clear the playlist (everyone may delete
    /// their own).
    pub const DELETE_ITEM: Self = Self(1 << 2);
    /// Choose the current item.
    pub const SET_CURRENT: Self = Self(1 << 3);
    /// Play, pause, seek and change the rate.
    pub const CONTROL_PLAYBACK: Self = Self(1 << 4);
    /// Send chat messages.
    pub const CHAT: Self = Self(1 << 5);
    /// Send danmaku.
    pub const DANMAKU: Self = Self(1 << 6);
    /// Kick, ban and unban members, change their role and permissions.
    pub const MANAGE_MEMBERS: Self = Self(1 << 7);
    /// See the stream key and publish the room's live stream.
    pub const GO_LIVE: Self = Self(1 << 8);
    /// Every permission.
    pub const ALL: Self = Self((1 << 9) - 1);

    const NAMES: [(Self, &'static str); 9] = [
        (Self::ADD_ITEM, "add_item"),
        (Self::EDIT_ITEM, "edit_item"),
        (Self::DELETE_ITEM, "delete_item"),
        (Self::SET_CURRENT, "set_current"),
        (Self::CONTROL_PLAYBACK, "control_playback"),
        (Self::CHAT, "chat"),
        (Self::DANMAKU, "danmaku"),
        (Self::MANAGE_MEMBERS, "manage_members"),
        (Self::GO_LIVE, "go_live"),
    ];

    /// Rebuilds a set from stored bits; unknown bits are dropped.
    pub const fn from_bits_truncate(bits: u32) -> Self {
        Self(bits & Self::ALL.0)
    }

    /// The bits, for storage and the wire.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every permission in `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The permissions in either set.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The permissions in `self` that are not in `other`.
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Names of the permissions in the set, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(p, _)| self.contains(*p))
            .map(|(_, name)| name)
    }
}

impl BitOr for Permissions {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

impl BitOrAssign for Permissions {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.names().collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_holds_every_named_permission() {
        assert_eq!(Permissions::ALL.names().count(), 9);
        assert!(Permissions::ALL.contains(Permissions::GO_LIVE));
    }

    #[test]
    fn unknown_stored_bits_are_dropped() {
        let p = Permissions::from_bits_truncate(u32::MAX);
        assert_eq!(p, Permissions::ALL);
    }

    #[test]
    fn difference_names_what_is_missing() {
        let have = Permissions::CHAT | Permissions::DANMAKU;
        let want = Permissions::CHAT | Permissions::GO_LIVE;
        assert_eq!(want.difference(have), Permissions::GO_LIVE);
        assert_eq!(want.difference(have).to_string(), "go_live");
    }
}
