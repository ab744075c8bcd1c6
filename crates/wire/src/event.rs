//! Room events as server messages: one event, one message, same seq.

use room::{EventKind, RoomEvent};

use crate::pb::{self, server_message::Kind, ServerMessage};

/// The message every member gets for an event: the event's seq and time
/// in the envelope.
impl From<&RoomEvent> for ServerMessage {
    fn from(event: &RoomEvent) -> Self {
        Self::new(event.seq, event.at_ms, kind(event))
    }
}

fn kind(event: &RoomEvent) -> Kind {
    let by = |by: &Option<room::UserId>| by.map(|user| user.0);
    match &event.kind {
        EventKind::MemberJoined {
            member,
            first_time,
            online,
        } => pb::MemberJoined {
            member: Some(member.into()),
            first_time: *first_time,
            online: *online,
        }
        .into(),
        EventKind::MemberLeft { user, online } => pb::MemberLeft {
            user_id: user.0,
            online: *online,
        }
        .into(),
        EventKind::MembersChanged {
            joined,
            left,
            online,
        } => pb::MembersChanged {
            joined: joined.iter().map(pb::Member::from).collect(),
            left: left.iter().map(|user| user.0).collect(),
            online: *online,
        }
        .into(),
        EventKind::MemberUpdated { member, by: who } => pb::MemberUpdated {
            member: Some(member.into()),
            by: by(who),
        }
        .into(),
        EventKind::MemberKicked { user, by: who } => pb::MemberKicked {
            user_id: user.0,
            by: by(who),
        }
        .into(),
        EventKind::MemberBanned { user, by: who } => pb::MemberBanned {
            user_id: user.0,
            by: by(who),
        }
        .into(),
        EventKind::MemberUnbanned { user, by: who } => pb::MemberUnbanned {
            user_id: user.0,
            by: by(who),
        }
        .into(),
        EventKind::SettingsChanged { settings, by: who } => pb::SettingsChanged {
            settings: Some(settings.into()),
            by: by(who),
        }
        .into(),
        EventKind::ItemAdded { item } => pb::ItemAdded {
            item: Some(item.into()),
        }
        .into(),
        EventKind::ItemEdited { item, by: who } => pb::ItemEdited {
            item: Some(item.into()),
            by: by(who),
        }
        .into(),
        EventKind::ItemDeleted { id, by: who } => pb::ItemDeleted {
            item_id: id.0,
            by: by(who),
        }
        .into(),
        EventKind::ItemMoved { id, after, by: who } => pb::ItemMoved {
            item_id: id.0,
            after: after.map(|id| id.0),
            by: by(who),
        }
        .into(),
        EventKind::PlaylistCleared { by: who } => pb::PlaylistCleared { by: by(who) }.into(),
        EventKind::PlaybackChanged { clock, by: who } => pb::PlaybackState {
            by: by(who),
            ..clock.into()
        }
        .into(),
        EventKind::Chat { message } => pb::Chat::from(message).into(),
        EventKind::Danmaku { danmaku } => pb::Danmaku::from(danmaku).into(),
        EventKind::LiveStarted => pb::LiveStatus {
            live: true,
            started_at_ms: Some(event.at_ms),
        }
        .into(),
        EventKind::LiveEnded => pb::LiveStatus {
            live: false,
            started_at_ms: None,
        }
        .into(),
        EventKind::ViewerCount { viewers } => pb::ViewerCount { viewers: *viewers }.into(),
        EventKind::RoomClosed => pb::RoomClosed {}.into(),
    }
}

#[cfg(test)]
mod tests {
    use room::{
        Actor, ChatMessage, Danmaku, DanmakuMode, ItemId, Join, MemberInfo, Permissions,
        PlaybackClock, Rate, Role, Room, RoomLimits, RoomSettings, UserId,
    };

    use super::*;

    fn message(seq: u64, at_ms: i64, kind: EventKind) -> ServerMessage {
        ServerMessage::from(&RoomEvent { seq, at_ms, kind })
    }

    fn case(seq: u64, kind: EventKind) -> Kind {
        let message = message(seq, 1_000, kind);
        assert_eq!(message.seq, seq);
        assert_eq!(message.server_time_ms, 1_000);
        message.kind.unwrap()
    }

    #[test]
    fn the_envelope_carries_the_events_seq_and_time() {
        let message = message(42, 1_700_000_000_123, EventKind::ViewerCount { viewers: 9 });
        assert_eq!(message.seq, 42);
        assert_eq!(message.server_time_ms, 1_700_000_000_123);
        assert_eq!(message.kind, Some(pb::ViewerCount { viewers: 9 }.into()));
    }

    #[test]
    fn a_chat_event_uses_the_envelope_for_its_id_and_time() {
        let chat = ChatMessage {
            seq: 12,
            user: UserId(7),
            name: "ann".into(),
            text: "hi".into(),
            at_ms: 1_000,
        };
        let expected = pb::Chat {
            user_id: 7,
            name: "ann".into(),
            text: "hi".into(),
        };
        assert_eq!(case(12, EventKind::Chat { message: chat }), expected.into());
    }

    #[test]
    fn a_danmaku_event_keeps_mode_colour_and_position() {
        let danmaku = Danmaku {
            user: UserId(3),
            text: "wow".into(),
            color: 0x00_FF00,
            mode: DanmakuMode::Bottom,
            media_position_ms: 61_000,
        };
        let expected = pb::Danmaku {
            user_id: 3,
            text: "wow".into(),
            color: 0x00_FF00,
            mode: pb::DanmakuMode::Bottom.into(),
            media_position_ms: 61_000,
        };
        assert_eq!(case(5, EventKind::Danmaku { danmaku }), expected.into());
    }

    #[test]
    fn a_playback_change_names_who_made_it() {
        let clock = PlaybackClock {
            item: Some(ItemId(2)),
            playing: false,
            position_ms: 30_000,
            at_ms: 1_000,
            rate: Rate::NORMAL,
        };
        let by = Some(UserId(4));
        let expected = pb::PlaybackState {
            item_id: Some(2),
            playing: false,
            position_ms: 30_000,
            at_ms: 1_000,
            rate_milli: 1000,
            by: Some(4),
        };
        let kind = case(3, EventKind::PlaybackChanged { clock, by });
        assert_eq!(kind, expected.into());
        let by_server = case(4, EventKind::PlaybackChanged { clock, by: None });
        let Kind::PlaybackState(state) = by_server else {
            panic!("{by_server:?}")
        };
        assert_eq!(state.by, None);
    }

    #[test]
    fn live_events_become_live_status_and_viewer_count() {
        let started = pb::LiveStatus {
            live: true,
            started_at_ms: Some(1_000),
        };
        assert_eq!(case(1, EventKind::LiveStarted), started.into());
        assert_eq!(
            case(2, EventKind::LiveEnded),
            pb::LiveStatus::default().into()
        );
        assert_eq!(case(3, EventKind::RoomClosed), pb::RoomClosed {}.into());
    }

    #[test]
    fn member_events_carry_the_member_and_who_acted() {
        let member = MemberInfo {
            user: UserId(9),
            name: "bo".into(),
            role: Role::Member,
            permissions: Permissions::CHAT,
            online: true,
        };
        let joined = case(
            1,
            EventKind::MemberJoined {
                member: member.clone(),
                first_time: true,
                online: 40,
            },
        );
        let expected = pb::MemberJoined {
            member: Some((&member).into()),
            first_time: true,
            online: 40,
        };
        assert_eq!(joined, expected.into());
        let kicked = EventKind::MemberKicked {
            user: UserId(9),
            by: Some(UserId(1)),
        };
        let expected = pb::MemberKicked {
            user_id: 9,
            by: Some(1),
        };
        assert_eq!(case(2, kicked), expected.into());
        let left = EventKind::MemberLeft {
            user: UserId(9),
            online: 39,
        };
        let expected = pb::MemberLeft {
            user_id: 9,
            online: 39,
        };
        assert_eq!(case(3, left), expected.into());
        let batch = EventKind::MembersChanged {
            joined: vec![member.clone()],
            left: vec![UserId(4), UserId(5)],
            online: 300,
        };
        let expected = pb::MembersChanged {
            joined: vec![(&member).into()],
            left: vec![4, 5],
            online: 300,
        };
        assert_eq!(case(4, batch), expected.into());
    }

    #[test]
    fn playlist_events_name_items_by_id() {
        let moved = EventKind::ItemMoved {
            id: ItemId(3),
            after: None,
            by: Some(UserId(1)),
        };
        let expected = pb::ItemMoved {
            item_id: 3,
            after: None,
            by: Some(1),
        };
        assert_eq!(case(1, moved), expected.into());
        let deleted = EventKind::ItemDeleted {
            id: ItemId(3),
            by: None,
        };
        let expected = pb::ItemDeleted {
            item_id: 3,
            by: None,
        };
        assert_eq!(case(2, deleted), expected.into());
        let cleared = EventKind::PlaylistCleared { by: None };
        assert_eq!(case(3, cleared), pb::PlaylistCleared { by: None }.into());
    }

    #[test]
    fn every_event_of_a_real_room_maps_to_an_event_message() {
        let now = 1_700_000_000_000;
        let settings = RoomSettings::new("r");
        let limits = RoomLimits::default();
        let mut room = Room::new(UserId(1), "host", settings, limits, now).unwrap();
        let join = Join {
            name: "host".into(),
            guest: false,
            password_ok: true,
        };
        room.handle_command(Actor::User(UserId(1)), join.into(), now)
            .unwrap();
        room.handle_command(Actor::System, room::LiveStarted.into(), now + 1)
            .unwrap();
        let mut seen = Vec::new();
        while let Some(event) = room.poll_event() {
            let message = ServerMessage::from(&event);
            assert!(message.is_event());
            seen.push((message.seq, message.kind.map(|k| k.name())));
        }
        let expected = [(1, Some("member_joined")), (2, Some("live_status"))];
        assert_eq!(seen, expected);
    }
}
