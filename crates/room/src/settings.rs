//! Room settings: name, password flag, visibility, guests, role defaults.

use crate::error::{Field, RoomError};
use crate::member::Role;
use crate::permission::Permissions;
use crate::text::{check_text, Lines};

/// Whether a room is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Listed on the public room list.
    Public,
    /// Reachable only by its link.
    Hidden,
}

/// A room's settings. They hold nothing secret: the password hash lives
/// with the adapter, the room only knows whether there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSettings {
    /// The room's name.
    pub name: String,
    /// Whether joining needs a password (checked by the caller).
    pub has_password: bool,
    /// Listed or hidden.
    pub visibility: Visibility,
    /// Whether people without an account may join (never with a password).
    pub guests_allowed: bool,
    /// What an admin may do unless given custom permissions.
    pub admin_permissions: Permissions,
    /// What a member may do unless given custom permissions.
    pub member_permissions: Permissions,
    /// What a guest may do unless given custom permissions.
    pub guest_permissions: Permissions,
}

impl RoomSettings {
    /// What members may do by default: add items, choose the current one,
    /// control playback, chat and send danmaku.
    pub const DEFAULT_MEMBER: Permissions = Permissions::ADD_ITEM
        .union(Permissions::SET_CURRENT)
        .union(Permissions::CONTROL_PLAYBACK)
        .union(Permissions::CHAT)
        .union(Permissions::DANMAKU);
    /// What guests may do by default: chat and send danmaku.
    pub const DEFAULT_GUEST: Permissions = Permissions::CHAT.union(Permissions::DANMAKU);

    /// Settings for a public, password-less room without guests, with the
    /// default permissions.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            has_password: false,
            visibility: Visibility::Public,
            guests_allowed: false,
            admin_permissions: Permissions::ALL,
            member_permissions: Self::DEFAULT_MEMBER,
            guest_permissions: Self::DEFAULT_GUEST,
        }
    }

    /// The default permissions of `role`. The creator always holds all.
    pub fn role_permissions(&self, role: Role) -> Permissions {
        match role {
            Role::Creator => Permissions::ALL,
            Role::Admin => self.admin_permissions,
            Role::Member => self.member_permissions,
            Role::Guest => self.guest_permissions,
        }
    }

    pub(crate) fn checked(mut self, max_name_chars: usize) -> Result<Self, RoomError> {
        self.name = check_text(Field::RoomName, &self.name, max_name_chars, Lines::One)?;
        Ok(self)
    }
}

/// A change to some settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// A new name.
    pub name: Option<String>,
    /// Whether the room now has a password (the adapter stores its hash).
    pub has_password: Option<bool>,
    /// Listed or hidden.
    pub visibility: Option<Visibility>,
    /// Whether guests may join.
    pub guests_allowed: Option<bool>,
    /// Admins' default permissions (only the creator may change these).
    pub admin_permissions: Option<Permissions>,
    /// Members' default permissions.
    pub member_permissions: Option<Permissions>,
    /// Guests' default permissions.
    pub guest_permissions: Option<Permissions>,
}

impl SettingsChange {
    /// The permissions this change hands out, which the caller must hold.
    pub(crate) fn granted(&self) -> Permissions {
        [
            self.admin_permissions,
            self.member_permissions,
            self.guest_permissions,
        ]
        .into_iter()
        .flatten()
        .fold(Permissions::NONE, |acc, p| acc | p)
    }

    /// Applies the change to a copy of `settings`, checking the new name.
    pub(crate) fn applied_to(
        &self,
        settings: &RoomSettings,
        max_name_chars: usize,
    ) -> Result<RoomSettings, RoomError> {
        let mut next = settings.clone();
        if let Some(name) = &self.name {
            next.name = check_text(Field::RoomName, name, max_name_chars, Lines::One)?;
        }
        if let Some(v) = self.has_password {
            next.has_password = v;
        }
        if let Some(v) = self.visibility {
            next.visibility = v;
        }
        if let Some(v) = self.guests_allowed {
            next.guests_allowed = v;
        }
        if let Some(p) = self.admin_permissions {
            next.admin_permissions = p;
        }
        if let Some(p) = self.member_permissions {
            next.member_permissions = p;
        }
        if let Some(p) = self.guest_permissions {
            next.guest_permissions = p;
        }
        Ok(next)
    }
}
