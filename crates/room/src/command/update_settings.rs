//! `UpdateSettings`: change the room's settings.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::member::Role;
use crate::room::Room;
use crate::settings::SettingsChange;

/// Changes settings. Admins and the creator may; only the creator changes
/// admins' default permissions, and nobody hands out permissions they do
/// not hold. A new password does not remove existing members; turning
/// guests off applies to the next join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSettings {
    /// What changes.
    pub change: SettingsChange,
}

impl UpdateSettings {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require_role(Role::Admin)?;
        if self.change.admin_permissions.is_some() {
            caller.require_role(Role::Creator)?;
        }
        caller.require_grantable(self.change.granted())?;
        let settings = self
            .change
            .applied_to(&room.settings, room.limits.room_name_chars)?;
        if settings == room.settings {
            return Ok(());
        }
        room.settings = settings.clone();
        let by = caller.user;
        room.emit(now_ms, EventKind::SettingsChanged { settings, by });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SetRole;
    use crate::permission::Permissions;
    use crate::settings::Visibility;
    use crate::testing::{TestRoom, ALICE, CREATOR};

    fn update(change: SettingsChange) -> UpdateSettings {
        UpdateSettings { change }
    }

    #[test]
    fn the_creator_hides_the_room_and_everyone_hears() {
        let mut t = TestRoom::new();
        let change = SettingsChange {
            visibility: Some(Visibility::Hidden),
            name: Some("  late show ".into()),
            ..Default::default()
        };
        t.run(CREATOR, update(change)).unwrap();
        assert_eq!(t.settings().visibility, Visibility::Hidden);
        assert_eq!(t.settings().name, "late show");
        assert!(matches!(
            t.events()[..],
            [EventKind::SettingsChanged { .. }]
        ));
    }

    #[test]
    fn a_member_cannot_change_settings() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let change = SettingsChange {
            guests_allowed: Some(true),
            ..Default::default()
        };
        let err = t.run(ALICE, update(change)).unwrap_err();
        assert_eq!(err, RoomError::RoleRequired { role: Role::Admin });
    }

    #[test]
    fn only_the_creator_changes_admin_defaults() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.run(
            CREATOR,
            SetRole {
                user: ALICE,
                role: Role::Admin,
            },
        )
        .unwrap();
        let change = SettingsChange {
            admin_permissions: Some(Permissions::CHAT),
            ..Default::default()
        };
        let err = t.run(ALICE, update(change.clone())).unwrap_err();
        assert_eq!(
            err,
            RoomError::RoleRequired {
                role: Role::Creator
            }
        );
        t.run(CREATOR, update(change)).unwrap();
        assert_eq!(t.member(ALICE).unwrap().permissions, Permissions::CHAT);
    }

    #[test]
    fn member_defaults_apply_to_members_at_once() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let change = SettingsChange {
            member_permissions: Some(Permissions::CHAT),
            ..Default::default()
        };
        t.run(CREATOR, update(change)).unwrap();
        assert_eq!(t.permissions(ALICE), Permissions::CHAT);
    }

    #[test]
    fn a_bad_name_changes_nothing() {
        let mut t = TestRoom::new();
        let change = SettingsChange {
            name: Some("x".repeat(65)),
            visibility: Some(Visibility::Hidden),
            ..Default::default()
        };
        assert_eq!(
            t.run(CREATOR, update(change)).unwrap_err().code(),
            "too_long"
        );
        assert_eq!(t.settings().visibility, Visibility::Public);
        assert!(t.events().is_empty());
    }
}
