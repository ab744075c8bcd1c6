//! Who is acting, with what rights.

use crate::error::RoomError;
use crate::id::{Actor, UserId};
use crate::member::Role;
use crate::permission::Permissions;

/// The actor of a command, resolved against the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caller {
    /// `None` for the server.
    pub(crate) user: Option<UserId>,
    pub(crate) role: Role,
    pub(crate) permissions: Permissions,
}

impl Caller {
    pub(crate) fn system() -> Self {
        Self {
            user: None,
            role: Role::Creator,
            permissions: Permissions::ALL,
        }
    }

    pub(crate) fn is_system(&self) -> bool {
        self.user.is_none()
    }

    /// Fails unless the caller holds every permission in `needed`.
    pub(crate) fn require(&self, needed: Permissions) -> Result<(), RoomError> {
        let missing = needed.difference(self.permissions);
        if missing == Permissions::NONE {
            return Ok(());
        }
        Err(RoomError::PermissionDenied { needed: missing })
    }

    /// Fails unless the caller holds `needed`, or is `owner`.
    pub(crate) fn require_or_own(
        &self,
        needed: Permissions,
        owner: Option<UserId>,
    ) -> Result<(), RoomError> {
        if self.user.is_some() && self.user == owner {
            return Ok(());
        }
        self.require(needed)
    }

    /// Fails unless the caller's role is at least `role`.
    pub(crate) fn require_role(&self, role: Role) -> Result<(), RoomError> {
        if self.is_system() || self.role >= role {
            return Ok(());
        }
        Err(RoomError::RoleRequired { role })
    }

    /// Fails unless the caller ranks strictly above `target` (the server
    /// ranks above everyone, but nobody removes the creator).
    pub(crate) fn require_outranks(&self, target: Role) -> Result<(), RoomError> {
        if self.is_system() || self.role > target {
            return Ok(());
        }
        Err(RoomError::Outranked)
    }

    /// Fails unless the caller may hand out `granted` (only what they hold).
    pub(crate) fn require_grantable(&self, granted: Permissions) -> Result<(), RoomError> {
        self.require(granted)
    }

    /// The acting user, for commands that need a person.
    pub(crate) fn person(&self) -> Result<UserId, RoomError> {
        self.user.ok_or(RoomError::NotAMember)
    }

    /// Fails unless the actor is the server.
    pub(crate) fn require_system(actor: Actor) -> Result<(), RoomError> {
        match actor {
            Actor::System => Ok(()),
            Actor::User(_) => Err(RoomError::SystemOnly),
        }
    }
}
