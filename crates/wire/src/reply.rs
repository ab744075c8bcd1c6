//! Replies to one connection: welcome, ack and error.

use room::{Receipt, RoomError, Snapshot, UserId};

use crate::error::WireError;
use crate::pb::{self, ServerMessage};

impl ServerMessage {
    /// The welcome for `user`: the whole room (the members online as a
    /// count and a first page), with the snapshot's seq and time in the
    /// envelope.
    pub fn welcome(snapshot: &Snapshot, user: UserId) -> Self {
        let welcome = pb::Welcome {
            user_id: user.0,
            settings: Some((&snapshot.settings).into()),
            members: snapshot.members.iter().map(Into::into).collect(),
            playlist: snapshot.playlist.iter().map(Into::into).collect(),
            playback: Some((&snapshot.clock).into()),
            live: Some((&snapshot.live).into()),
            live_viewers: snapshot.live.viewers,
            chat: snapshot.chat.iter().map(Into::into).collect(),
            member_count: snapshot.member_count,
        };
        Self::new(snapshot.seq, snapshot.server_time_ms, welcome)
    }
}

impl pb::Ack {
    /// The ack of an applied command (or of a retry of one).
    pub fn new(receipt: &Receipt, request_id: &str) -> Self {
        Self {
            request_id: request_id.to_owned(),
            applied_seq: receipt.seq,
            replayed: receipt.replayed,
        }
    }
}

impl pb::ErrorReply {
    /// Echoes the refused message's request id (see
    /// [`crate::ClientMessage::request_id`]).
    pub fn with_request_id(mut self, request_id: Option<&str>) -> Self {
        self.request_id = request_id.unwrap_or_default().to_owned();
        self
    }
}

impl From<&RoomError> for pb::ErrorReply {
    fn from(error: &RoomError) -> Self {
        let retry_after_ms = match error {
            RoomError::RateLimited { retry_after_ms } => Some(*retry_after_ms),
            _ => None,
        };
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
            request_id: String::new(),
            retry_after_ms,
        }
    }
}

impl From<&WireError> for pb::ErrorReply {
    fn from(error: &WireError) -> Self {
        match error {
            WireError::Room(room) => room.into(),
            _ => Self {
                code: error.code().to_owned(),
                message: error.to_string(),
                request_id: String::new(),
                retry_after_ms: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use room::{Actor, Join, Room, RoomLimits, RoomSettings, SendChat};

    use super::*;
    use crate::pb::server_message::Kind;

    const NOW: i64 = 1_700_000_000_000;

    fn room_with_host() -> Room {
        let settings = RoomSettings::new("movie night");
        let mut room = Room::new(UserId(1), "host", settings, RoomLimits::default(), NOW).unwrap();
        let join = Join {
            name: "host".into(),
            guest: false,
            password_ok: true,
        };
        room.handle_command(Actor::User(UserId(1)), join.into(), NOW)
            .unwrap();
        let chat = SendChat {
            text: "hello".into(),
            request_id: None,
        };
        room.handle_command(Actor::User(UserId(1)), chat.into(), NOW + 5)
            .unwrap();
        while room.poll_event().is_some() {}
        room
    }

    #[test]
    fn a_welcome_carries_the_whole_room_at_its_seq() {
        let room = room_with_host();
        let snapshot = room.snapshot(NOW + 10);
        let message = ServerMessage::welcome(&snapshot, UserId(1));
        assert_eq!(message.seq, 2);
        assert_eq!(message.server_time_ms, NOW + 10);
        let Some(Kind::Welcome(welcome)) = message.kind else {
            panic!("{message:?}")
        };
        assert_eq!(welcome.user_id, 1);
        assert_eq!(
            welcome.settings.map(|s| s.name).as_deref(),
            Some("movie night")
        );
        assert_eq!(welcome.members.len(), 1);
        assert_eq!(welcome.members[0].role(), pb::Role::Creator);
        let chat = &welcome.chat[0];
        assert_eq!(
            (chat.id, chat.at_ms, chat.text.as_str()),
            (2, NOW + 5, "hello")
        );
        let playback = welcome.playback.unwrap_or_default();
        assert_eq!((playback.item_id, playback.at_ms), (None, NOW + 10));
        assert_eq!(welcome.live, Some(pb::LiveStatus::default()));
    }

    #[test]
    fn an_ack_tells_when_the_effect_is_visible() {
        let receipt = Receipt {
            seq: 8,
            events: 1,
            replayed: true,
        };
        let ack = pb::Ack::new(&receipt, "r1");
        assert_eq!((ack.request_id.as_str(), ack.applied_seq), ("r1", 8));
        assert!(ack.replayed);
    }

    #[test]
    fn an_error_carries_the_code_and_the_wait() {
        let limited = RoomError::RateLimited {
            retry_after_ms: 250,
        };
        let error = pb::ErrorReply::from(&limited).with_request_id(Some("c1"));
        assert_eq!(error.code, "rate_limited");
        assert_eq!(error.retry_after_ms, Some(250));
        assert_eq!(error.request_id, "c1");
        let too_large = WireError::TooLarge { len: 9, max: 1 };
        let error = pb::ErrorReply::from(&too_large);
        assert_eq!(
            (error.code.as_str(), error.retry_after_ms),
            ("too_large", None)
        );
        let wrapped = WireError::Room(RoomError::NoCurrentItem);
        assert_eq!(pb::ErrorReply::from(&wrapped).code, "no_current_item");
    }
}
