//! Whole-room behaviour: snapshots, resuming, timers, retries, restore.

use super::*;
use crate::chat::DanmakuMode;
use crate::clock::Rate;
use crate::command::{Join, Leave, Pause, Play, Seek, SendChat, SendDanmaku, SetCurrent, SetRate};
use crate::limits::RoomLimits;
use crate::rate_limit::RateLimit;
use crate::testing::{rid, TestRoom, ALICE, BOB, CREATOR, T0};

fn chat(text: &str) -> SendChat {
    SendChat {
        text: text.into(),
        request_id: None,
    }
}

fn small_backlog(backlog: usize) -> TestRoom {
    let limits = RoomLimits {
        backlog,
        chat_rate: RateLimit {
            burst: 1000,
            every_ms: 1,
        },
        ..RoomLimits::default()
    };
    TestRoom::with(RoomSettings::new("r"), limits)
}

#[test]
fn every_event_gets_the_next_seq() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    t.run(ALICE, chat("a")).unwrap();
    t.system(crate::command::LiveStarted).unwrap();
    let seqs: Vec<u64> = t.drain().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 3, 4], "the creator's join was 1");
    assert_eq!(t.seq(), 4);
}

#[test]
fn a_refused_command_emits_nothing_and_keeps_the_seq() {
    let mut t = TestRoom::new();
    let seq = t.seq();
    let err = t
        .run(
            CREATOR,
            Play {
                request_id: rid("p"),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "no_current_item");
    assert_eq!(t.seq(), seq);
    assert!(t.poll_event().is_none());
}

#[test]
fn a_late_joiner_sees_the_position_at_send_time() {
    let mut t = TestRoom::new();
    let id = t.add(CREATOR, Some(3_600_000));
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.advance(4_000);
    let rate = Rate::from_milli(1500).unwrap();
    t.run(
        CREATOR,
        SetRate {
            rate,
            request_id: rid("r"),
        },
    )
    .unwrap();
    t.advance(10_000);
    t.join(ALICE);
    let snapshot = t.snapshot(t.now);
    assert_eq!(snapshot.server_time_ms, t.now);
    assert_eq!(snapshot.clock.at_ms, t.now);
    assert_eq!(snapshot.clock.position_ms, 4_000 + 15_000);
    assert!(snapshot.clock.playing);
    assert_eq!(snapshot.seq, t.seq());
}

#[test]
fn a_snapshot_shows_who_is_online_and_recent_chat() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    t.join(BOB);
    t.run(BOB, Leave).unwrap();
    for i in 0..5 {
        t.run(ALICE, chat(&format!("m{i}"))).unwrap();
    }
    let snapshot = t.snapshot(t.now);
    let online: Vec<UserId> = snapshot.members.iter().map(|m| m.user).collect();
    assert_eq!(online, [CREATOR, ALICE]);
    let texts: Vec<&str> = snapshot.chat.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4"]);
}

#[test]
fn a_reconnecting_client_gets_exactly_what_it_missed() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    t.run(ALICE, chat("before")).unwrap();
    let broadcast = t.drain();
    let last_seen = broadcast.last().unwrap().seq;
    t.run(CREATOR, chat("while away 1")).unwrap();
    t.run(CREATOR, chat("while away 2")).unwrap();
    let missed = t.drain();
    assert_eq!(t.resume(last_seen), Resume::Events(missed.clone()));
    assert_eq!(missed.len(), 2);
    assert_eq!(t.resume(t.seq()), Resume::Events(Vec::new()));
}

#[test]
fn a_client_too_far_behind_needs_a_snapshot() {
    let mut t = small_backlog(4);
    for i in 0..10 {
        t.run(CREATOR, chat(&format!("{i}"))).unwrap();
    }
    let seq = t.seq();
    assert_eq!(t.resume(seq - 4).events().map(<[_]>::len), Some(4));
    assert_eq!(t.resume(seq - 5), Resume::TooOld);
    assert_eq!(t.resume(seq + 1), Resume::TooOld, "a seq from the future");
}

#[test]
fn events_the_backlog_forgot_are_skipped_by_a_slow_drain() {
    let mut t = small_backlog(3);
    t.drain();
    for i in 0..5 {
        t.run(CREATOR, chat(&format!("{i}"))).unwrap();
    }
    let seqs: Vec<u64> = t.drain().iter().map(|e| e.seq).collect();
    let seq = t.seq();
    assert_eq!(seqs, [seq - 2, seq - 1, seq]);
}

#[test]
fn danmaku_is_kept_in_the_backlog_only() {
    let mut t = TestRoom::new();
    let before = t.seq();
    let danmaku = SendDanmaku {
        text: "wow".into(),
        color: 0xFFFFFF,
        mode: DanmakuMode::Top,
        media_position_ms: Some(5),
        request_id: None,
    };
    t.run(CREATOR, danmaku).unwrap();
    assert_eq!(t.resume(before).events().map(<[_]>::len), Some(1));
    assert!(t.snapshot(t.now).chat.is_empty());
}

#[test]
fn a_finished_item_gives_way_to_the_next() {
    let mut t = TestRoom::new();
    let first = t.add(CREATOR, Some(10_000));
    let second = t.add(CREATOR, None);
    t.run(
        CREATOR,
        SetCurrent {
            id: first,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.events();
    assert_eq!(t.poll_timeout(), Some(T0 + 10_000));
    t.advance(9_999);
    let now = t.now;
    t.handle_timeout(now);
    assert!(t.events().is_empty(), "not yet");
    t.advance(1);
    let now = t.now;
    t.handle_timeout(now);
    let clock = t.clock();
    assert_eq!(
        (clock.item, clock.position_ms, clock.playing),
        (Some(second), 0, true)
    );
    let events = t.events();
    assert_eq!(events, [EventKind::PlaybackChanged { clock, by: None }]);
    assert_eq!(t.poll_timeout(), None, "the next item's length is unknown");
}

#[test]
fn the_last_item_pauses_at_its_end() {
    let mut t = TestRoom::new();
    let id = t.add(CREATOR, Some(10_000));
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.advance(60_000);
    let now = t.now;
    t.handle_timeout(now);
    let clock = t.clock();
    assert_eq!((clock.position_ms, clock.playing), (10_000, false));
    assert_eq!(t.poll_timeout(), None);
}

#[test]
fn a_paused_item_sets_no_timer() {
    let mut t = TestRoom::new();
    let id = t.add(CREATOR, Some(10_000));
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.run(
        CREATOR,
        Pause {
            request_id: rid("p"),
        },
    )
    .unwrap();
    assert_eq!(t.poll_timeout(), None);
}

#[test]
fn a_retried_command_returns_its_first_receipt_after_other_events() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    let id = t.add(CREATOR, None);
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    let seek = Seek {
        position_ms: 1_000,
        request_id: rid("s1"),
    };
    let first = t.run(ALICE, seek.clone()).unwrap();
    t.run(BOB, chat("x")).unwrap_err();
    t.run(CREATOR, chat("later")).unwrap();
    let retry = t.run(ALICE, seek).unwrap();
    assert_eq!(
        retry,
        Receipt {
            replayed: true,
            ..first
        }
    );
}

#[test]
fn request_ids_are_forgotten_after_their_time() {
    let mut t = TestRoom::new();
    let id = t.add(CREATOR, None);
    let set = SetCurrent {
        id,
        request_id: rid("c"),
    };
    t.run(CREATOR, set.clone()).unwrap();
    t.advance(RoomLimits::default().request_id_ttl_ms + 1);
    assert!(!t.run(CREATOR, set).unwrap().replayed);
}

#[test]
fn control_commands_are_rate_limited_per_member() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    let id = t.add(CREATOR, None);
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    let mut limited = None;
    for i in 0..30 {
        let seek = Seek {
            position_ms: i,
            request_id: rid(&format!("s{i}")),
        };
        if let Err(err) = t.run(ALICE, seek) {
            limited = Some((i, err.code()));
            break;
        }
    }
    assert_eq!(limited, Some((20, "rate_limited")));
    t.run(
        CREATOR,
        Pause {
            request_id: rid("p"),
        },
    )
    .unwrap();
}

#[test]
fn a_restored_room_continues_where_it_stopped() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    let id = t.add(ALICE, Some(60_000));
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.run(ALICE, chat("remember me")).unwrap();
    t.run(CREATOR, crate::command::Ban { user: BOB }).unwrap();
    let saved = t.saved();
    let seq = t.seq();
    let mut restored = Room::restore(saved.clone(), RoomLimits::default());
    assert_eq!(restored.saved(), saved);
    assert_eq!(restored.seq(), seq);
    assert!(restored.poll_event().is_none());
    assert_eq!(restored.online_count(), 0);
    assert_eq!(restored.resume(seq - 1), Resume::TooOld);
    assert_eq!(restored.chat_history(None, 10)[0].text, "remember me");
    assert_eq!(restored.banned(), [BOB]);
    let join = Join {
        name: "bob".into(),
        guest: false,
        password_ok: true,
    };
    let err = restored.handle_command(Actor::User(BOB), join.into(), T0);
    assert_eq!(err, Err(RoomError::Banned));
}

#[test]
fn a_restored_clock_on_a_missing_item_is_reset() {
    let t = TestRoom::new();
    let mut saved = t.saved();
    saved.clock.item = Some(crate::id::ItemId(42));
    saved.clock.playing = true;
    let restored = Room::restore(saved, RoomLimits::default());
    assert_eq!(restored.clock().item, None);
    assert!(!restored.clock().playing);
}

#[test]
fn every_playback_command_needs_the_control_permission() {
    use crate::command::SetPermissions;
    use crate::permission::Permissions;

    let mut t = TestRoom::new();
    t.join(ALICE);
    let id = t.add(CREATOR, Some(600_000));
    t.run(
        CREATOR,
        SetCurrent {
            id,
            request_id: rid("c"),
        },
    )
    .unwrap();
    t.run(
        CREATOR,
        Pause {
            request_id: rid("p"),
        },
    )
    .unwrap();
    let chat_only = SetPermissions {
        user: ALICE,
        permissions: Some(Permissions::CHAT),
    };
    t.run(CREATOR, chat_only).unwrap();
    t.events();
    let before = t.clock();
    let denied = Err(RoomError::PermissionDenied {
        needed: Permissions::CONTROL_PLAYBACK,
    });
    let play = Play {
        request_id: rid("a1"),
    };
    assert_eq!(t.run(ALICE, play), denied);
    let seek = Seek {
        position_ms: 90_000,
        request_id: rid("a2"),
    };
    assert_eq!(t.run(ALICE, seek), denied);
    let rate = SetRate {
        rate: Rate::from_milli(2000).unwrap(),
        request_id: rid("a3"),
    };
    assert_eq!(t.run(ALICE, rate), denied);
    assert_eq!(t.clock(), before, "nothing moved");
    assert!(t.events().is_empty(), "nothing was told");
}

#[test]
fn a_restored_room_replays_requests_its_stored_form_remembers() {
    let mut t = TestRoom::new();
    t.join(ALICE);
    let said = SendChat {
        text: "once".into(),
        request_id: Some(rid("x")),
    };
    let first = t.run(ALICE, said.clone()).unwrap();
    let applied = t.poll_applied_request().expect("the request is handed out");
    assert_eq!((applied.user, applied.seq), (ALICE, first.seq));
    assert!(t.poll_applied_request().is_none(), "handed out once");

    // The next writer loads the stored form, requests included.
    let mut saved = t.saved();
    assert_eq!(saved.requests, std::slice::from_ref(&applied));
    let mut next = Room::restore(saved.clone(), RoomLimits::default());
    next.handle_command(Actor::User(ALICE), member_join(), t.now)
        .unwrap();
    let retry = next.handle_command(Actor::User(ALICE), said.into(), t.now);
    assert_eq!(
        retry,
        Ok(Receipt {
            replayed: true,
            ..first
        })
    );
    let other = SendChat {
        text: "another".into(),
        request_id: Some(rid("x")),
    };
    let reused = next.handle_command(Actor::User(ALICE), other.into(), t.now);
    assert_eq!(reused, Err(RoomError::RequestIdReused));

    // Without its requests, the same retry would apply again.
    saved.requests.clear();
    let mut forgetful = Room::restore(saved, RoomLimits::default());
    forgetful
        .handle_command(Actor::User(ALICE), member_join(), t.now)
        .unwrap();
    let again = SendChat {
        text: "once".into(),
        request_id: Some(rid("x")),
    };
    let applied_again = forgetful.handle_command(Actor::User(ALICE), again.into(), t.now);
    assert!(!applied_again.unwrap().replayed);
}

fn member_join() -> RoomCommand {
    Join {
        name: "alice".into(),
        guest: false,
        password_ok: true,
    }
    .into()
}
