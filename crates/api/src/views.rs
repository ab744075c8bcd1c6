//! The JSON shapes of room state over HTTP: the same fields as the
//! realtime protocol's (docs/realtime.md).

use room::{ChatMessage, ItemSource, MemberInfo, PlaybackClock, PlaylistItem, Receipt};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(crate) struct ItemView {
    id: u64,
    title: String,
    kind: &'static str,
    url: String,
    duration_ms: Option<u64>,
    added_by: Option<u64>,
    added_at_ms: i64,
}

impl From<&PlaylistItem> for ItemView {
    fn from(item: &PlaylistItem) -> ItemView {
        let (kind, url) = match &item.source {
            ItemSource::Url { url, kind } => (kind.as_str(), url.clone()),
            ItemSource::Live => ("live", String::new()),
        };
        ItemView {
            id: item.id.0,
            title: item.title.clone(),
            kind,
            url,
            duration_ms: item.duration_ms,
            added_by: item.added_by.map(|u| u.0),
            added_at_ms: item.added_at_ms,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct MemberView {
    user_id: u64,
    name: String,
    role: &'static str,
    permissions: u32,
    online: bool,
}

impl From<&MemberInfo> for MemberView {
    fn from(member: &MemberInfo) -> MemberView {
        MemberView {
            user_id: member.user.0,
            name: member.name.clone(),
            role: member.role.as_str(),
            permissions: member.permissions.bits(),
            online: member.online,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct PlaybackView {
    item_id: Option<u64>,
    playing: bool,
    position_ms: u64,
    at_ms: i64,
    rate_milli: u32,
}

impl From<&PlaybackClock> for PlaybackView {
    fn from(clock: &PlaybackClock) -> PlaybackView {
        PlaybackView {
            item_id: clock.item.map(|i| i.0),
            playing: clock.playing,
            position_ms: clock.position_ms,
            at_ms: clock.at_ms,
            rate_milli: clock.rate.milli(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ChatView {
    id: u64,
    at_ms: i64,
    user_id: u64,
    name: String,
    text: String,
}

impl From<&ChatMessage> for ChatView {
    fn from(message: &ChatMessage) -> ChatView {
        ChatView {
            id: message.seq,
            at_ms: message.at_ms,
            user_id: message.user.0,
            name: message.name.clone(),
            text: message.text.clone(),
        }
    }
}

/// The answer to a command: the room seq once it applied.
#[derive(Debug, Serialize)]
pub(crate) struct Applied {
    applied_seq: u64,
    replayed: bool,
}

impl From<room::Receipt> for Applied {
    fn from(receipt: Receipt) -> Applied {
        Applied {
            applied_seq: receipt.seq,
            replayed: receipt.replayed,
        }
    }
}
