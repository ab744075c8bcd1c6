//! The two envelopes: constructors, case names, and `From` for every case.

use std::fmt;

use crate::pb::{self, client_message, server_message, ClientMessage, ServerMessage};

macro_rules! cases {
    ($kind:ty { $($variant:ident($ty:ty) = $name:literal,)* }) => {
        impl $kind {
            /// The case's name: the JSON `type`, for logs and metrics.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)*
                }
            }
        }

        $(
            impl From<$ty> for $kind {
                fn from(message: $ty) -> Self {
                    Self::$variant(message)
                }
            }
        )*
    };
}

cases!(client_message::Kind {
    Join(pb::Join) = "join",
    Chat(pb::SendChat) = "chat",
    Danmaku(pb::SendDanmaku) = "danmaku",
    Play(pb::Play) = "play",
    Pause(pb::Pause) = "pause",
    Seek(pb::Seek) = "seek",
    SetRate(pb::SetRate) = "set_rate",
    SetCurrent(pb::SetCurrent) = "set_current",
    TimePing(pb::TimePing) = "time_ping",
    Heartbeat(pb::Heartbeat) = "heartbeat",
});

cases!(server_message::Kind {
    Welcome(pb::Welcome) = "welcome",
    Resumed(pb::Resumed) = "resumed",
    Ack(pb::Ack) = "ack",
    Error(pb::ErrorReply) = "error",
    TimePong(pb::TimePong) = "time_pong",
    MemberJoined(pb::MemberJoined) = "member_joined",
    MemberLeft(pb::MemberLeft) = "member_left",
    MemberUpdated(pb::MemberUpdated) = "member_updated",
    MemberKicked(pb::MemberKicked) = "member_kicked",
    MemberBanned(pb::MemberBanned) = "member_banned",
    MemberUnbanned(pb::MemberUnbanned) = "member_unbanned",
    SettingsChanged(pb::SettingsChanged) = "settings_changed",
    ItemAdded(pb::ItemAdded) = "item_added",
    ItemEdited(pb::ItemEdited) = "item_edited",
    ItemDeleted(pb::ItemDeleted) = "item_deleted",
    ItemMoved(pb::ItemMoved) = "item_moved",
    PlaylistCleared(pb::PlaylistCleared) = "playlist_cleared",
    PlaybackState(pb::PlaybackState) = "playback_state",
    Chat(pb::Chat) = "chat",
    Danmaku(pb::Danmaku) = "danmaku",
    LiveStatus(pb::LiveStatus) = "live_status",
    ViewerCount(pb::ViewerCount) = "viewer_count",
    RoomClosed(pb::RoomClosed) = "room_closed",
    MembersChanged(pb::MembersChanged) = "members_changed",
});

impl ClientMessage {
    /// A client message of one case.
    pub fn new(kind: impl Into<client_message::Kind>) -> Self {
        Self {
            kind: Some(kind.into()),
        }
    }

    /// The request id the message carries, if any: what an `error` reply
    /// to it should echo, even when the message itself is refused.
    pub fn request_id(&self) -> Option<&str> {
        use client_message::Kind;
        let id = match self.kind.as_ref()? {
            Kind::Chat(m) => &m.request_id,
            Kind::Danmaku(m) => &m.request_id,
            Kind::Play(m) => &m.request_id,
            Kind::Pause(m) => &m.request_id,
            Kind::Seek(m) => &m.request_id,
            Kind::SetRate(m) => &m.request_id,
            Kind::SetCurrent(m) => &m.request_id,
            Kind::Join(_) | Kind::TimePing(_) | Kind::Heartbeat(_) => return None,
        };
        Some(id.as_str()).filter(|id| !id.is_empty())
    }
}

impl ServerMessage {
    /// A server message of one case, with the room seq and server time it
    /// carries (see the schema for which seq each case carries).
    pub fn new(seq: u64, server_time_ms: i64, kind: impl Into<server_message::Kind>) -> Self {
        Self {
            seq,
            server_time_ms,
            kind: Some(kind.into()),
        }
    }

    /// Whether this message is a room event (numbered by its seq), as
    /// opposed to a reply to one connection.
    pub fn is_event(&self) -> bool {
        use server_message::Kind;
        !matches!(
            self.kind,
            None | Some(
                Kind::Welcome(_)
                    | Kind::Resumed(_)
                    | Kind::Ack(_)
                    | Kind::Error(_)
                    | Kind::TimePong(_)
            )
        )
    }
}

/// Hides the password.
impl fmt::Debug for pb::Join {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.password.is_empty() {
            ""
        } else {
            "<hidden>"
        };
        f.debug_struct("Join")
            .field("last_seq", &self.last_seq)
            .field("password", &password)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_named_by_its_json_type() {
        let ping = ClientMessage::new(pb::TimePing { client_time_ms: 1 });
        assert_eq!(ping.kind.as_ref().map(|k| k.name()), Some("time_ping"));
        let pong = ServerMessage::new(3, 4, pb::RoomClosed {});
        assert_eq!(pong.kind.as_ref().map(|k| k.name()), Some("room_closed"));
    }

    #[test]
    fn the_request_id_is_found_in_every_command() {
        let seek = ClientMessage::new(pb::Seek {
            position_ms: 5,
            request_id: "s1".into(),
        });
        assert_eq!(seek.request_id(), Some("s1"));
        let chat = ClientMessage::new(pb::SendChat {
            text: "hi".into(),
            request_id: String::new(),
        });
        assert_eq!(chat.request_id(), None);
        assert_eq!(ClientMessage::default().request_id(), None);
    }

    #[test]
    fn replies_are_not_events() {
        assert!(ServerMessage::new(1, 0, pb::LiveStatus::default()).is_event());
        assert!(!ServerMessage::new(1, 0, pb::Ack::default()).is_event());
        assert!(!ServerMessage::default().is_event());
    }

    #[test]
    fn a_join_never_shows_its_password() {
        let join = pb::Join {
            last_seq: Some(4),
            password: "hunter2".into(),
        };
        let shown = format!("{join:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<hidden>"));
    }
}
