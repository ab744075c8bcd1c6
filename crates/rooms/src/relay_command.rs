//! Any room command as replicas carry it to the room's writer: the HTTP
//! routes' commands (playlist, playback, settings, moderation, closing)
//! as well as members' own. The pure core has no serialisation; this is
//! its JSON form, one variant per command, with every value checked again
//! when it is turned back into a command (a malformed one is refused).

use room::{
    Actor, Ban, ClearPlaylist, Close, DanmakuMode, DeleteItem, EditItem, ItemId, Join, Kick, Leave,
    LiveEnded, LiveStarted, MediaKind, MoveItem, NewSource, Pause, Permissions, Play, Rate,
    RequestId, Role, RoomCommand, Seek, SendChat, SendDanmaku, SetCurrent, SetPermissions, SetRate,
    SetRole, SettingsChange, Unban, UpdateSettings, UserId, ViewerCount, Visibility,
};
use serde::{Deserialize, Serialize};

/// Who acts: a user, or the server (`None`).
pub(crate) fn actor_to_wire(actor: Actor) -> Option<u64> {
    match actor {
        Actor::User(user) => Some(user.0),
        Actor::System => None,
    }
}

pub(crate) fn actor_from_wire(user: Option<u64>) -> Actor {
    user.map_or(Actor::System, |u| Actor::User(UserId(u)))
}

/// A room command, serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum CommandWire {
    Join {
        name: String,
        guest: bool,
        password_ok: bool,
    },
    Leave,
    Kick {
        user: u64,
    },
    Ban {
        user: u64,
    },
    Unban {
        user: u64,
    },
    SetRole {
        user: u64,
        role: RoleWire,
    },
    SetPermissions {
        user: u64,
        permissions: Option<u32>,
    },
    UpdateSettings {
        name: Option<String>,
        has_password: Option<bool>,
        hidden: Option<bool>,
        guests_allowed: Option<bool>,
        admin_permissions: Option<u32>,
        member_permissions: Option<u32>,
        guest_permissions: Option<u32>,
    },
    AddItem {
        title: String,
        source: SourceWire,
        duration_ms: Option<u64>,
        request_id: Option<String>,
    },
    EditItem {
        id: u64,
        title: Option<String>,
        source: Option<SourceWire>,
        duration_ms: Option<u64>,
    },
    DeleteItem {
        id: u64,
    },
    MoveItem {
        id: u64,
        after: Option<u64>,
    },
    ClearPlaylist,
    SetCurrent {
        id: u64,
        request_id: String,
    },
    Play {
        request_id: String,
    },
    Pause {
        request_id: String,
    },
    Seek {
        position_ms: u64,
        request_id: String,
    },
    SetRate {
        rate_milli: u32,
        request_id: String,
    },
    Chat {
        text: String,
        request_id: Option<String>,
    },
    Danmaku {
        text: String,
        color: u32,
        mode: DanmakuWire,
        media_position_ms: Option<u64>,
        request_id: Option<String>,
    },
    LiveStarted,
    LiveEnded,
    ViewerCount {
        viewers: u64,
    },
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RoleWire {
    Guest,
    Member,
    Admin,
    Creator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum SourceWire {
    Url { url: String, kind: Option<KindWire> },
    Live,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindWire {
    Mp4,
    Webm,
    Hls,
    Flv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DanmakuWire {
    Scroll,
    Top,
    Bottom,
}

impl From<&RoomCommand> for CommandWire {
    fn from(command: &RoomCommand) -> CommandWire {
        use CommandWire as W;
        match command.clone() {
            RoomCommand::Join(c) => W::Join {
                name: c.name,
                guest: c.guest,
                password_ok: c.password_ok,
            },
            RoomCommand::Leave(_) => W::Leave,
            RoomCommand::Kick(c) => W::Kick { user: c.user.0 },
            RoomCommand::Ban(c) => W::Ban { user: c.user.0 },
            RoomCommand::Unban(c) => W::Unban { user: c.user.0 },
            RoomCommand::SetRole(c) => W::SetRole {
                user: c.user.0,
                role: c.role.into(),
            },
            RoomCommand::SetPermissions(c) => W::SetPermissions {
                user: c.user.0,
                permissions: c.permissions.map(Permissions::bits),
            },
            RoomCommand::UpdateSettings(c) => settings_to_wire(c.change),
            RoomCommand::AddItem(c) => W::AddItem {
                title: c.title,
                source: c.source.into(),
                duration_ms: c.duration_ms,
                request_id: c.request_id.map(|r| r.as_str().to_owned()),
            },
            RoomCommand::EditItem(c) => W::EditItem {
                id: c.id.0,
                title: c.title,
                source: c.source.map(SourceWire::from),
                duration_ms: c.duration_ms,
            },
            RoomCommand::DeleteItem(c) => W::DeleteItem { id: c.id.0 },
            RoomCommand::MoveItem(c) => W::MoveItem {
                id: c.id.0,
                after: c.after.map(|a| a.0),
            },
            RoomCommand::ClearPlaylist(_) => W::ClearPlaylist,
            other => playback_to_wire(other),
        }
    }
}

fn settings_to_wire(change: SettingsChange) -> CommandWire {
    CommandWire::UpdateSettings {
        name: change.name,
        has_password: change.has_password,
        hidden: change.visibility.map(|v| v == Visibility::Hidden),
        guests_allowed: change.guests_allowed,
        admin_permissions: change.admin_permissions.map(Permissions::bits),
        member_permissions: change.member_permissions.map(Permissions::bits),
        guest_permissions: change.guest_permissions.map(Permissions::bits),
    }
}

/// Playback, chat, live news and closing (the rest of [`RoomCommand`]).
fn playback_to_wire(command: RoomCommand) -> CommandWire {
    use CommandWire as W;
    let text = |r: RequestId| r.as_str().to_owned();
    match command {
        RoomCommand::SetCurrent(c) => W::SetCurrent {
            id: c.id.0,
            request_id: text(c.request_id),
        },
        RoomCommand::Play(c) => W::Play {
            request_id: text(c.request_id),
        },
        RoomCommand::Pause(c) => W::Pause {
            request_id: text(c.request_id),
        },
        RoomCommand::Seek(c) => W::Seek {
            position_ms: c.position_ms,
            request_id: text(c.request_id),
        },
        RoomCommand::SetRate(c) => W::SetRate {
            rate_milli: c.rate.milli(),
            request_id: text(c.request_id),
        },
        RoomCommand::Chat(c) => W::Chat {
            text: c.text,
            request_id: c.request_id.map(text),
        },
        RoomCommand::Danmaku(c) => W::Danmaku {
            text: c.text,
            color: c.color,
            mode: c.mode.into(),
            media_position_ms: c.media_position_ms,
            request_id: c.request_id.map(text),
        },
        RoomCommand::LiveStarted(_) => W::LiveStarted,
        RoomCommand::LiveEnded(_) => W::LiveEnded,
        RoomCommand::ViewerCount(c) => W::ViewerCount { viewers: c.viewers },
        // Every other command was turned above.
        _ => W::Close,
    }
}

impl CommandWire {
    /// The command; `None` when a value is out of bounds (a request id or
    /// a rate the core would not have made).
    pub(crate) fn into_command(self) -> Option<RoomCommand> {
        use CommandWire as W;
        let rid = |r: String| RequestId::new(r).ok();
        let opt_rid = |r: Option<String>| r.map(RequestId::new).transpose().ok();
        let command: RoomCommand = match self {
            W::Join {
                name,
                guest,
                password_ok,
            } => Join {
                name,
                guest,
                password_ok,
            }
            .into(),
            W::Leave => Leave.into(),
            W::Kick { user } => Kick { user: UserId(user) }.into(),
            W::Ban { user } => Ban { user: UserId(user) }.into(),
            W::Unban { user } => Unban { user: UserId(user) }.into(),
            W::SetRole { user, role } => SetRole {
                user: UserId(user),
                role: role.into(),
            }
            .into(),
            W::SetPermissions { user, permissions } => SetPermissions {
                user: UserId(user),
                permissions: permissions.map(Permissions::from_bits_truncate),
            }
            .into(),
            W::UpdateSettings { .. } => self.settings()?,
            W::AddItem {
                title,
                source,
                duration_ms,
                request_id,
            } => room::AddItem {
                title,
                source: source.into(),
                duration_ms,
                request_id: opt_rid(request_id)?,
            }
            .into(),
            W::EditItem {
                id,
                title,
                source,
                duration_ms,
            } => EditItem {
                id: ItemId(id),
                title,
                source: source.map(NewSource::from),
                duration_ms,
            }
            .into(),
            W::DeleteItem { id } => DeleteItem { id: ItemId(id) }.into(),
            W::MoveItem { id, after } => MoveItem {
                id: ItemId(id),
                after: after.map(ItemId),
            }
            .into(),
            W::ClearPlaylist => ClearPlaylist.into(),
            W::SetCurrent { id, request_id } => SetCurrent {
                id: ItemId(id),
                request_id: rid(request_id)?,
            }
            .into(),
            W::Play { request_id } => Play {
                request_id: rid(request_id)?,
            }
            .into(),
            W::Pause { request_id } => Pause {
                request_id: rid(request_id)?,
            }
            .into(),
            W::Seek {
                position_ms,
                request_id,
            } => Seek {
                position_ms,
                request_id: rid(request_id)?,
            }
            .into(),
            W::SetRate {
                rate_milli,
                request_id,
            } => SetRate {
                rate: Rate::from_milli(rate_milli).ok()?,
                request_id: rid(request_id)?,
            }
            .into(),
            W::Chat { text, request_id } => SendChat {
                text,
                request_id: opt_rid(request_id)?,
            }
            .into(),
            W::Danmaku {
                text,
                color,
                mode,
                media_position_ms,
                request_id,
            } => SendDanmaku {
                text,
                color,
                mode: mode.into(),
                media_position_ms,
                request_id: opt_rid(request_id)?,
            }
            .into(),
            W::LiveStarted => LiveStarted.into(),
            W::LiveEnded => LiveEnded.into(),
            W::ViewerCount { viewers } => ViewerCount { viewers }.into(),
            W::Close => Close.into(),
        };
        Some(command)
    }

    fn settings(self) -> Option<RoomCommand> {
        let CommandWire::UpdateSettings {
            name,
            has_password,
            hidden,
            guests_allowed,
            admin_permissions,
            member_permissions,
            guest_permissions,
        } = self
        else {
            return None;
        };
        let bits = |p: Option<u32>| p.map(Permissions::from_bits_truncate);
        let change = SettingsChange {
            name,
            has_password,
            visibility: hidden.map(|h| match h {
                true => Visibility::Hidden,
                false => Visibility::Public,
            }),
            guests_allowed,
            admin_permissions: bits(admin_permissions),
            member_permissions: bits(member_permissions),
            guest_permissions: bits(guest_permissions),
        };
        Some(UpdateSettings { change }.into())
    }
}

impl From<Role> for RoleWire {
    fn from(role: Role) -> RoleWire {
        match role {
            Role::Guest => RoleWire::Guest,
            Role::Member => RoleWire::Member,
            Role::Admin => RoleWire::Admin,
            Role::Creator => RoleWire::Creator,
        }
    }
}

impl From<RoleWire> for Role {
    fn from(role: RoleWire) -> Role {
        match role {
            RoleWire::Guest => Role::Guest,
            RoleWire::Member => Role::Member,
            RoleWire::Admin => Role::Admin,
            RoleWire::Creator => Role::Creator,
        }
    }
}

impl From<NewSource> for SourceWire {
    fn from(source: NewSource) -> SourceWire {
        match source {
            NewSource::Url { url, kind } => SourceWire::Url {
                url,
                kind: kind.map(|k| match k {
                    MediaKind::Mp4 => KindWire::Mp4,
                    MediaKind::Webm => KindWire::Webm,
                    MediaKind::Hls => KindWire::Hls,
                    MediaKind::Flv => KindWire::Flv,
                }),
            },
            NewSource::Live => SourceWire::Live,
        }
    }
}

impl From<SourceWire> for NewSource {
    fn from(source: SourceWire) -> NewSource {
        match source {
            SourceWire::Url { url, kind } => NewSource::Url {
                url,
                kind: kind.map(|k| match k {
                    KindWire::Mp4 => MediaKind::Mp4,
                    KindWire::Webm => MediaKind::Webm,
                    KindWire::Hls => MediaKind::Hls,
                    KindWire::Flv => MediaKind::Flv,
                }),
            },
            SourceWire::Live => NewSource::Live,
        }
    }
}

impl From<DanmakuMode> for DanmakuWire {
    fn from(mode: DanmakuMode) -> DanmakuWire {
        match mode {
            DanmakuMode::Scroll => DanmakuWire::Scroll,
            DanmakuMode::Top => DanmakuWire::Top,
            DanmakuMode::Bottom => DanmakuWire::Bottom,
        }
    }
}

impl From<DanmakuWire> for DanmakuMode {
    fn from(mode: DanmakuWire) -> DanmakuMode {
        match mode {
            DanmakuWire::Scroll => DanmakuMode::Scroll,
            DanmakuWire::Top => DanmakuMode::Top,
            DanmakuWire::Bottom => DanmakuMode::Bottom,
        }
    }
}

#[cfg(test)]
#[path = "relay_command_tests.rs"]
mod tests;
