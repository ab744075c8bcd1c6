//! The room's shared shapes on the wire: members, items, settings, the
//! clock, chat and danmaku.

use room::{
    ChatMessage, Danmaku, DanmakuMode, ItemId, ItemSource, LiveStatus, MediaKind, MemberInfo,
    PlaybackClock, PlaylistItem, Rate, Role, RoomSettings, Visibility,
};

use crate::error::WireError;
use crate::pb;

impl From<&MemberInfo> for pb::Member {
    fn from(member: &MemberInfo) -> Self {
        Self {
            user_id: member.user.0,
            name: member.name.clone(),
            role: pb::Role::from(member.role).into(),
            permissions: member.permissions.bits(),
            online: member.online,
        }
    }
}

impl From<Role> for pb::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::Guest => Self::Guest,
            Role::Member => Self::Member,
            Role::Admin => Self::Admin,
            Role::Creator => Self::Creator,
        }
    }
}

impl From<&PlaylistItem> for pb::PlaylistItem {
    fn from(item: &PlaylistItem) -> Self {
        let (kind, url) = match &item.source {
            ItemSource::Url { url, kind } => (pb::MediaKind::from(*kind), url.clone()),
            ItemSource::Live => (pb::MediaKind::Live, String::new()),
        };
        Self {
            id: item.id.0,
            title: item.title.clone(),
            kind: kind.into(),
            url,
            duration_ms: item.duration_ms,
            added_by: item.added_by.map(|user| user.0),
            added_at_ms: item.added_at_ms,
        }
    }
}

impl From<MediaKind> for pb::MediaKind {
    fn from(kind: MediaKind) -> Self {
        match kind {
            MediaKind::Mp4 => Self::Mp4,
            MediaKind::Webm => Self::Webm,
            MediaKind::Hls => Self::Hls,
            MediaKind::Flv => Self::Flv,
        }
    }
}

impl From<&RoomSettings> for pb::RoomSettings {
    fn from(settings: &RoomSettings) -> Self {
        let visibility = match settings.visibility {
            Visibility::Public => pb::Visibility::Public,
            Visibility::Hidden => pb::Visibility::Hidden,
        };
        Self {
            name: settings.name.clone(),
            has_password: settings.has_password,
            visibility: visibility.into(),
            guests_allowed: settings.guests_allowed,
            admin_permissions: settings.admin_permissions.bits(),
            member_permissions: settings.member_permissions.bits(),
            guest_permissions: settings.guest_permissions.bits(),
        }
    }
}

/// The clock as a snapshot shows it (`by` absent); events set `by`.
impl From<&PlaybackClock> for pb::PlaybackState {
    fn from(clock: &PlaybackClock) -> Self {
        Self {
            item_id: clock.item.map(|id| id.0),
            playing: clock.playing,
            position_ms: clock.position_ms,
            at_ms: clock.at_ms,
            rate_milli: clock.rate.milli(),
            by: None,
        }
    }
}

/// A clock from the wire, for clients that follow it. The rate must be
/// within the room's bounds.
impl TryFrom<&pb::PlaybackState> for PlaybackClock {
    type Error = WireError;

    fn try_from(state: &pb::PlaybackState) -> Result<Self, WireError> {
        Ok(Self {
            item: state.item_id.map(ItemId),
            playing: state.playing,
            position_ms: state.position_ms,
            at_ms: state.at_ms,
            rate: Rate::from_milli(state.rate_milli)?,
        })
    }
}

impl From<&ChatMessage> for pb::ChatRecord {
    fn from(message: &ChatMessage) -> Self {
        Self {
            id: message.seq,
            at_ms: message.at_ms,
            user_id: message.user.0,
            name: message.name.clone(),
            text: message.text.clone(),
        }
    }
}

/// The event form: the id and time are the envelope's seq and time.
impl From<&ChatMessage> for pb::Chat {
    fn from(message: &ChatMessage) -> Self {
        Self {
            user_id: message.user.0,
            name: message.name.clone(),
            text: message.text.clone(),
        }
    }
}

impl From<&Danmaku> for pb::Danmaku {
    fn from(danmaku: &Danmaku) -> Self {
        Self {
            user_id: danmaku.user.0,
            text: danmaku.text.clone(),
            color: danmaku.color,
            mode: pb::DanmakuMode::from(danmaku.mode).into(),
            media_position_ms: danmaku.media_position_ms,
        }
    }
}

impl From<DanmakuMode> for pb::DanmakuMode {
    fn from(mode: DanmakuMode) -> Self {
        match mode {
            DanmakuMode::Scroll => Self::Scroll,
            DanmakuMode::Top => Self::Top,
            DanmakuMode::Bottom => Self::Bottom,
        }
    }
}

impl From<&LiveStatus> for pb::LiveStatus {
    fn from(status: &LiveStatus) -> Self {
        Self {
            live: status.live,
            started_at_ms: status.started_at_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use room::{Permissions, UserId};

    use super::*;

    #[test]
    fn a_member_carries_effective_permission_bits_and_role() {
        let member = MemberInfo {
            user: UserId(7),
            name: "ann".into(),
            role: Role::Admin,
            permissions: Permissions::CHAT | Permissions::DANMAKU,
            online: true,
        };
        let wire = pb::Member::from(&member);
        assert_eq!(wire.user_id, 7);
        assert_eq!(wire.role(), pb::Role::Admin);
        assert_eq!(wire.permissions, 32 | 64);
        assert!(wire.online);
    }

    #[test]
    fn the_live_item_has_no_url() {
        let live = PlaylistItem {
            id: ItemId(2),
            title: "Live".into(),
            source: ItemSource::Live,
            duration_ms: None,
            added_by: None,
            added_at_ms: 5,
        };
        let wire = pb::PlaylistItem::from(&live);
        assert_eq!(wire.kind(), pb::MediaKind::Live);
        assert_eq!(wire.url, "");
        let video = PlaylistItem {
            source: ItemSource::Url {
                url: "https://x.test/a.m3u8".into(),
                kind: MediaKind::Hls,
            },
            duration_ms: Some(60_000),
            added_by: Some(UserId(1)),
            ..live
        };
        let wire = pb::PlaylistItem::from(&video);
        assert_eq!(wire.kind(), pb::MediaKind::Hls);
        assert_eq!(wire.url, "https://x.test/a.m3u8");
        assert_eq!(wire.duration_ms, Some(60_000));
        assert_eq!(wire.added_by, Some(1));
    }

    #[test]
    fn settings_keep_the_role_defaults_as_bits() {
        let mut settings = RoomSettings::new("movie night");
        settings.visibility = Visibility::Hidden;
        let wire = pb::RoomSettings::from(&settings);
        assert_eq!(wire.name, "movie night");
        assert_eq!(wire.visibility(), pb::Visibility::Hidden);
        assert_eq!(wire.admin_permissions, Permissions::ALL.bits());
        assert_eq!(wire.guest_permissions, RoomSettings::DEFAULT_GUEST.bits());
    }

    #[test]
    fn a_clock_survives_the_wire() {
        let clock = PlaybackClock {
            item: Some(ItemId(4)),
            playing: true,
            position_ms: 12_345,
            at_ms: 1_700_000_000_000,
            rate: Rate::from_milli(1250).unwrap(),
        };
        let wire = pb::PlaybackState::from(&clock);
        assert_eq!(PlaybackClock::try_from(&wire).unwrap(), clock);
        let bad = pb::PlaybackState {
            rate_milli: 0,
            ..wire
        };
        let err = PlaybackClock::try_from(&bad).unwrap_err();
        assert_eq!(err.code(), "invalid_rate");
    }
}
