//! Random command sequences from several members and the server, with time
//! moving forwards and sometimes backwards: the room never panics, refused
//! commands change nothing, and seqs come out strictly increasing and
//! without gaps, and what is stored restores to the same room.

use proptest::prelude::*;
use room::{
    Actor, AddItem, Ban, ClearPlaylist, Close, DanmakuMode, DeleteItem, EditItem, ItemId, Join,
    Kick, Leave, LiveEnded, LiveStarted, MediaKind, MoveItem, NewSource, Pause, Permissions, Play,
    Rate, RequestId, Resume, Role, Room, RoomCommand, RoomLimits, RoomSettings, Seek, SendChat,
    SendDanmaku, SetCurrent, SetPermissions, SetRate, SetRole, SettingsChange, Unban,
    UpdateSettings, UserId, ViewerCount,
};

const T0: i64 = 1_700_000_000_000;

fn user() -> impl Strategy<Value = UserId> {
    (1u64..=4).prop_map(UserId)
}

fn item() -> impl Strategy<Value = ItemId> {
    (0u64..=10).prop_map(ItemId)
}

fn request_id() -> impl Strategy<Value = RequestId> {
    (0u8..6).prop_map(|n| RequestId::new(format!("r{n}")).expect("valid id"))
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z ]{1,20}",
        "\\PC{0,120}",
        Just("x".repeat(600)),
        Just("a\nb\u{0}".to_owned()),
    ]
}

fn source() -> impl Strategy<Value = NewSource> {
    prop_oneof![
        1 => Just(NewSource::Live),
        4 => "https://cdn\\.example/[a-z]{1,5}\\.(mp4|m3u8|flv|webm)"
            .prop_map(|url| NewSource::Url { url, kind: None }),
        2 => "(https?|ftp)://[a-z.]{0,8}(:[0-9]{1,6})?/[a-z]{1,5}\\.(mp4|m3u8|flv|webm|txt)"
            .prop_map(|url| NewSource::Url { url, kind: None }),
        1 => "\\PC{0,40}".prop_map(|url| NewSource::Url {
            url,
            kind: Some(MediaKind::Hls)
        }),
    ]
}

fn member_command() -> impl Strategy<Value = RoomCommand> {
    prop_oneof![
        (text(), any::<bool>(), any::<bool>()).prop_map(|(name, guest, password_ok)| {
            Join {
                name,
                guest,
                password_ok,
            }
            .into()
        }),
        Just(Leave.into()),
        user().prop_map(|user| Kick { user }.into()),
        user().prop_map(|user| Ban { user }.into()),
        user().prop_map(|user| Unban { user }.into()),
        (
            user(),
            prop_oneof![Just(Role::Member), Just(Role::Admin), Just(Role::Guest)]
        )
            .prop_map(|(user, role)| SetRole { user, role }.into()),
        (user(), proptest::option::of(any::<u32>())).prop_map(|(user, bits)| {
            let permissions = bits.map(Permissions::from_bits_truncate);
            SetPermissions { user, permissions }.into()
        }),
        (
            proptest::option::of(text()),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(name, has_password)| {
                let change = SettingsChange {
                    name,
                    has_password,
                    guests_allowed: Some(true),
                    ..SettingsChange::default()
                };
                UpdateSettings { change }.into()
            }),
    ]
}

fn playlist_command() -> impl Strategy<Value = RoomCommand> {
    prop_oneof![
        6 => (text(), source(), proptest::option::of(0u64..100_000)).prop_map(
            |(title, source, duration_ms)| AddItem {
                title,
                source,
                duration_ms,
                request_id: None,
            }
            .into()
        ),
        2 => (item(), proptest::option::of(text()), proptest::option::of(0u64..100_000)).prop_map(
            |(id, title, duration_ms)| EditItem {
                id,
                title,
                source: None,
                duration_ms,
            }
            .into()
        ),
        2 => item().prop_map(|id| DeleteItem { id }.into()),
        2 => (item(), proptest::option::of(item()))
            .prop_map(|(id, after)| MoveItem { id, after }.into()),
        1 => Just(ClearPlaylist.into()),
    ]
}

fn playback_command() -> impl Strategy<Value = RoomCommand> {
    prop_oneof![
        (item(), request_id()).prop_map(|(id, request_id)| SetCurrent { id, request_id }.into()),
        request_id().prop_map(|request_id| Play { request_id }.into()),
        request_id().prop_map(|request_id| Pause { request_id }.into()),
        (0u64..200_000, request_id()).prop_map(|(position_ms, request_id)| Seek {
            position_ms,
            request_id
        }
        .into()),
        (250u32..=4000, request_id()).prop_map(|(milli, request_id)| SetRate {
            rate: Rate::from_milli(milli).expect("in range"),
            request_id,
        }
        .into()),
    ]
}

fn talk_command() -> impl Strategy<Value = RoomCommand> {
    prop_oneof![
        (text(), proptest::option::of(request_id())).prop_map(|(text, request_id)| SendChat {
            text,
            request_id
        }
        .into()),
        (text(), any::<u32>(), proptest::option::of(any::<u64>())).prop_map(
            |(text, color, media_position_ms)| SendDanmaku {
                text,
                color: color & 0x01FF_FFFF,
                mode: DanmakuMode::Scroll,
                media_position_ms,
                request_id: None,
            }
            .into()
        ),
    ]
}

fn system_command() -> impl Strategy<Value = RoomCommand> {
    prop_oneof![
        8 => Just(LiveStarted.into()),
        8 => Just(LiveEnded.into()),
        8 => (0u64..5).prop_map(|viewers| ViewerCount { viewers }.into()),
        1 => Just(Close.into()),
        4 => playback_command(),
    ]
}

fn step() -> impl Strategy<Value = (Actor, RoomCommand, i64)> {
    let actor = prop_oneof![
        1 => Just(Actor::System),
        8 => user().prop_map(Actor::User),
    ];
    let command = prop_oneof![
        2 => member_command(),
        3 => playlist_command(),
        4 => playback_command(),
        3 => talk_command(),
        1 => system_command(),
    ];
    let delta = prop_oneof![8 => 0i64..5_000, 1 => -2_000i64..0, 1 => Just(200_000i64)];
    (actor, command, delta)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_commands_keep_seq_strictly_increasing(steps in prop::collection::vec(step(), 1..120)) {
        let limits = RoomLimits { backlog: 64, ..RoomLimits::default() };
        let mut room = Room::new(UserId(1), "host", RoomSettings::new("r"), limits, T0)
            .expect("valid room");
        let mut now = T0;
        for user in 1..=4 {
            let join = Join { name: format!("u{user}"), guest: false, password_ok: true };
            room.handle_command(Actor::User(UserId(user)), join.into(), now).expect("joins");
        }
        let mut last_seq = 0;
        for (actor, command, delta) in steps {
            now += delta;
            let before = room.seq();
            match room.handle_command(actor, command, now) {
                Ok(receipt) if receipt.replayed => prop_assert_eq!(room.seq(), before),
                Ok(receipt) => {
                    prop_assert_eq!(receipt.seq, room.seq());
                    prop_assert_eq!(receipt.events, room.seq() - before);
                }
                Err(err) => {
                    prop_assert_eq!(room.seq(), before, "{} changed the room", err.code());
                }
            }
            if let Some(at) = room.poll_timeout() {
                room.handle_timeout(at.max(now));
            }
            while let Some(event) = room.poll_event() {
                prop_assert_eq!(event.seq, last_seq + 1);
                last_seq = event.seq;
            }
            prop_assert_eq!(last_seq, room.seq());
            check_views(&room, now)?;
            let saved = room.saved();
            let restored = Room::restore(saved.clone(), room.limits().clone());
            prop_assert_eq!(restored.saved(), saved, "storage round-trips");
        }
    }
}

fn check_views(room: &Room, now: i64) -> Result<(), TestCaseError> {
    let snapshot = room.snapshot(now);
    prop_assert_eq!(snapshot.seq, room.seq());
    if let Some(id) = snapshot.clock.item {
        let item = snapshot.playlist.iter().find(|i| i.id == id);
        prop_assert!(item.is_some(), "the current item is in the playlist");
        if let Some(duration) = item.and_then(|i| i.duration_ms) {
            prop_assert!(snapshot.clock.position_ms <= duration);
        }
    }
    if let Resume::Events(events) = room.resume(0) {
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        let expected: Vec<u64> = (1..=room.seq()).collect();
        prop_assert_eq!(seqs, expected);
    }
    let ids: Vec<ItemId> = snapshot.playlist.iter().map(|i| i.id).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), ids.len(), "item ids are unique");
    Ok(())
}
