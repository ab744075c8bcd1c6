use room::{
    Actor, AddItem, Ban, ChatMessage, ClearPlaylist, DeleteItem, EditItem, EventKind, ItemId, Join,
    Kick, MediaKind, MoveItem, NewSource, Pause, Permissions, Play, Rate, RequestId, Role, Room,
    RoomCommand, RoomEvent, RoomLimits, RoomSettings, Seek, SendChat, SendDanmaku, SetCurrent,
    SetPermissions, SetRate, SetRole, SettingsChange, Unban, UpdateSettings, UserId, Visibility,
};
use store::{
    Entity, RoomChange, RoomId, RoomRepo, RoomStateRepo, Stamp, Store, StoreError, CHAT_KEPT,
};

use crate::support::{account, new_room, on_both_backends, T0};

on_both_backends!(
    a_saved_room_restores_identically,
    incremental_writes_follow_the_rooms_events,
    chat_keeps_the_last_500_messages_per_room,
    guests_are_not_stored,
    the_stored_seq_never_goes_down,
    writes_to_a_deleted_room_are_not_found,
    moving_an_unknown_item_is_not_found,
    a_stored_member_needs_an_account,
);

/// A room driven by hand whose events are written to the store as the
/// room actor writes them.
struct Driven {
    store: Store,
    id: RoomId,
    room: Room,
    now: i64,
}

impl Driven {
    async fn create(store: &Store, creator: UserId, settings: RoomSettings) -> Self {
        let room = new_room(creator, settings);
        let record = store
            .create_room(creator, &room.saved(), None, T0)
            .await
            .unwrap();
        Self {
            store: store.clone(),
            id: record.id,
            room,
            now: T0,
        }
    }

    /// Runs a command one second after the previous one and persists its
    /// events.
    async fn run(&mut self, actor: UserId, command: impl Into<RoomCommand>) {
        self.now += 1000;
        let command = command.into();
        let name = command.name();
        if let Err(e) = self
            .room
            .handle_command(Actor::User(actor), command, self.now)
        {
            panic!("{name} by {actor} refused: {}", e.code());
        }
        while let Some(event) = self.room.poll_event() {
            self.persist(&event).await;
        }
        while let Some(applied) = self.room.poll_applied_request() {
            let stamp = Stamp {
                seq: applied.seq,
                at_ms: applied.at_ms,
            };
            let change = RoomChange::Request {
                applied,
                forget_before_ms: self.now - RoomLimits::default().request_id_ttl_ms,
            };
            let written = self
                .store
                .write_room(&self.id, None, stamp, &[change])
                .await;
            written.unwrap_or_else(|e| panic!("persisting a request id: {e:?}"));
        }
    }

    async fn persist(&self, event: &RoomEvent) {
        let (store, id, stamp) = (&self.store, &self.id, Stamp::from(event));
        match &event.kind {
            // A returning member may come back under a new name: every
            // join is written, not only the first.
            EventKind::MemberJoined { member, .. } | EventKind::MemberUpdated { member, .. } => {
                let saved = self.room.saved().members;
                match saved.iter().find(|m| m.user == member.user) {
                    Some(m) => store.upsert_member(id, m, stamp).await,
                    None => store.save_seq(id, stamp).await,
                }
            }
            EventKind::MemberKicked { user, .. } => store.remove_member(id, *user, stamp).await,
            EventKind::MemberBanned { user, .. } => store.ban_user(id, *user, stamp).await,
            EventKind::MemberUnbanned { user, .. } => store.unban_user(id, *user, stamp).await,
            EventKind::SettingsChanged { settings, .. } => {
                store.update_settings(id, settings, stamp).await
            }
            EventKind::ItemAdded { item } | EventKind::ItemEdited { item, .. } => {
                store.upsert_item(id, item, stamp).await
            }
            EventKind::ItemDeleted { id: item, .. } => store.delete_item(id, *item, stamp).await,
            EventKind::ItemMoved {
                id: item, after, ..
            } => store.move_item(id, *item, *after, stamp).await,
            EventKind::PlaylistCleared { .. } => store.clear_playlist(id, stamp).await,
            EventKind::PlaybackChanged { clock, .. } => store.save_playback(id, clock, stamp).await,
            EventKind::Chat { message } => {
                let keep_from = message.seq.saturating_sub(CHAT_KEPT as u64 - 1);
                store.append_chat(id, message, keep_from).await
            }
            _ => store.save_seq(id, stamp).await,
        }
        .unwrap_or_else(|e| panic!("persisting event {}: {e:?}", event.seq));
    }
}

fn join(name: &str) -> Join {
    Join {
        name: name.into(),
        guest: false,
        password_ok: true,
    }
}

fn rid(id: &str) -> RequestId {
    RequestId::new(id).unwrap()
}

fn add(url: &str, duration_ms: Option<u64>) -> AddItem {
    AddItem {
        title: String::new(),
        source: NewSource::Url {
            url: url.into(),
            kind: None,
        },
        duration_ms,
        request_id: None,
    }
}

fn chat(text: &str) -> SendChat {
    SendChat {
        text: text.into(),
        request_id: None,
    }
}

/// The accounts of the busy room: creator, admin, member with custom
/// permissions, member who gets kicked.
struct Cast {
    ada: UserId,
    bob: UserId,
    cy: UserId,
    dan: UserId,
}

type Script = Vec<(UserId, RoomCommand)>;

fn membership(c: &Cast) -> Script {
    let custom = Some(Permissions::CHAT | Permissions::ADD_ITEM);
    vec![
        (c.ada, join("ada").into()),
        (c.bob, join("bob").into()),
        (c.cy, join("cy").into()),
        (c.dan, join("dan").into()),
        (
            c.ada,
            SetRole {
                user: c.bob,
                role: Role::Admin,
            }
            .into(),
        ),
        (
            c.ada,
            SetPermissions {
                user: c.cy,
                permissions: custom,
            }
            .into(),
        ),
    ]
}

fn playlist(c: &Cast) -> Script {
    let live = AddItem {
        title: "Our stream".into(),
        source: NewSource::Live,
        duration_ms: None,
        request_id: None,
    };
    let edit = EditItem {
        id: ItemId(2),
        title: Some("The show".into()),
        source: Some(NewSource::Url {
            url: "https://media.example/show".into(),
            kind: Some(MediaKind::Hls),
        }),
        duration_ms: Some(90_000),
    };
    vec![
        (
            c.ada,
            add("https://media.example/a.mp4", Some(60_000)).into(),
        ),
        (
            c.bob,
            add("https://media.example/live/index.m3u8", None).into(),
        ),
        (
            c.cy,
            add("https://media.example/c.webm", Some(5_000)).into(),
        ),
        (c.ada, live.into()),
        (c.ada, add("https://media.example/e.flv", None).into()),
        (
            c.ada,
            MoveItem {
                id: ItemId(3),
                after: None,
            }
            .into(),
        ),
        (
            c.ada,
            MoveItem {
                id: ItemId(1),
                after: Some(ItemId(4)),
            }
            .into(),
        ),
        (c.ada, DeleteItem { id: ItemId(5) }.into()),
        (c.bob, edit.into()),
    ]
}

fn playback_and_chat(c: &Cast) -> Script {
    let rate = Rate::from_milli(1500).unwrap();
    let danmaku = SendDanmaku {
        text: "wow".into(),
        color: 0xff0000,
        mode: room::DanmakuMode::Scroll,
        media_position_ms: None,
        request_id: None,
    };
    vec![
        (
            c.ada,
            SetCurrent {
                id: ItemId(1),
                request_id: rid("c1"),
            }
            .into(),
        ),
        (
            c.ada,
            Seek {
                position_ms: 12_345,
                request_id: rid("s1"),
            }
            .into(),
        ),
        (
            c.ada,
            SetRate {
                rate,
                request_id: rid("r1"),
            }
            .into(),
        ),
        (
            c.bob,
            Pause {
                request_id: rid("p1"),
            }
            .into(),
        ),
        (
            c.bob,
            Play {
                request_id: rid("p2"),
            }
            .into(),
        ),
        (c.ada, chat("hello").into()),
        (c.bob, chat("hi\nthere").into()),
        (c.cy, chat("ünïcødé 🎬").into()),
        (c.bob, danmaku.into()),
    ]
}

fn removals_and_settings(c: &Cast) -> Script {
    let change = SettingsChange {
        name: Some("late show".into()),
        visibility: Some(Visibility::Hidden),
        member_permissions: Some(Permissions::CHAT),
        ..SettingsChange::default()
    };
    vec![
        (c.ada, Kick { user: c.dan }.into()),
        (c.bob, Ban { user: UserId(777) }.into()),
        (c.bob, Ban { user: UserId(778) }.into()),
        (c.bob, Unban { user: UserId(778) }.into()),
        (c.ada, UpdateSettings { change }.into()),
    ]
}

/// Drives a room through every kind of durable change.
async fn busy_room(store: &Store) -> Driven {
    let cast = Cast {
        ada: account(store, "ada").await,
        bob: account(store, "bob").await,
        cy: account(store, "cy").await,
        dan: account(store, "dan").await,
    };
    let settings = RoomSettings {
        guests_allowed: true,
        ..RoomSettings::new("movie night")
    };
    let mut driven = Driven::create(store, cast.ada, settings).await;
    let script = [
        membership,
        playlist,
        playback_and_chat,
        removals_and_settings,
    ];
    for (user, command) in script.iter().flat_map(|part| part(&cast)) {
        driven.run(user, command).await;
    }
    driven
}

async fn a_saved_room_restores_identically(store: Store) {
    let driven = busy_room(&store).await;
    let saved = driven.room.saved();
    // A fresh room record, then one full save of the whole state.
    let ada = saved.members[0].user;
    let copy = store
        .create_room(
            ada,
            &new_room(ada, RoomSettings::new("copy")).saved(),
            None,
            T0,
        )
        .await
        .unwrap();
    store.save_room(&copy.id, &saved, driven.now).await.unwrap();

    let loaded = store.load_room(&copy.id).await.unwrap();
    assert_eq!(loaded, saved);
    let restored = Room::restore(loaded, RoomLimits::default());
    assert_eq!(restored.saved(), saved);
    assert_eq!(restored.seq(), driven.room.seq());

    // Saving again replaces rather than adds.
    store.save_room(&copy.id, &saved, driven.now).await.unwrap();
    assert_eq!(store.load_room(&copy.id).await.unwrap(), saved);
}

async fn incremental_writes_follow_the_rooms_events(store: Store) {
    let mut driven = busy_room(&store).await;
    assert_eq!(
        store.load_room(&driven.id).await.unwrap(),
        driven.room.saved()
    );

    let ada = driven.room.saved().members[0].user;
    driven.run(ada, ClearPlaylist).await;
    driven
        .run(ada, add("https://media.example/after-clear.mp4", None))
        .await;
    let saved = driven.room.saved();
    assert_eq!(saved.playlist[0].id, ItemId(6), "ids are never reused");
    assert_eq!(store.load_room(&driven.id).await.unwrap(), saved);
    let record = store.room(&driven.id).await.unwrap();
    assert_eq!(record.settings.name, "late show");
    assert_eq!(record.updated_at_ms, driven.now);
}

async fn chat_keeps_the_last_500_messages_per_room(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let busy = store.create_room(ada, &saved, None, T0).await.unwrap();
    let quiet = store.create_room(ada, &saved, None, T0).await.unwrap();
    let message = |seq: u64| ChatMessage {
        seq,
        user: ada,
        name: "ada".into(),
        text: format!("message {seq}"),
        at_ms: T0 + seq as i64,
    };
    let total = CHAT_KEPT as u64 + 10;
    // A full save keeps the newest 500 of what it is given; each append
    // then trims the oldest.
    let mut prefilled = saved.clone();
    prefilled.chat = (1..=total - 5).map(message).collect();
    prefilled.seq = total - 5;
    store.save_room(&busy.id, &prefilled, T0).await.unwrap();
    let after_save = store.load_room(&busy.id).await.unwrap().chat;
    assert_eq!(after_save.len(), CHAT_KEPT);
    assert_eq!(after_save[0].seq, 6);
    // The room keeps the newest CHAT_KEPT: each append drops what is below.
    let keep_from = |seq: u64| seq.saturating_sub(CHAT_KEPT as u64 - 1);
    for seq in total - 4..=total {
        let m = message(seq);
        store
            .append_chat(&busy.id, &m, keep_from(seq))
            .await
            .unwrap();
    }
    for seq in 1..=3 {
        let m = message(seq);
        store
            .append_chat(&quiet.id, &m, keep_from(seq))
            .await
            .unwrap();
    }
    // A repeated append changes nothing.
    let last = message(total);
    store
        .append_chat(&busy.id, &last, keep_from(total))
        .await
        .unwrap();

    let kept = store.load_room(&busy.id).await.unwrap().chat;
    assert_eq!(kept.len(), CHAT_KEPT);
    assert_eq!(kept.first().map(|m| m.seq), Some(11));
    assert_eq!(kept.last(), Some(&message(total)));
    assert_eq!(store.load_room(&quiet.id).await.unwrap().chat.len(), 3);
    assert_eq!(store.load_room(&busy.id).await.unwrap().seq, total);
}

async fn guests_are_not_stored(store: Store) {
    let ada = account(&store, "ada").await;
    let settings = RoomSettings {
        guests_allowed: true,
        ..RoomSettings::new("open")
    };
    let mut driven = Driven::create(&store, ada, settings).await;
    let guest = UserId(1 << 63);
    let guest_join = Join {
        name: "guest".into(),
        guest: true,
        password_ok: false,
    };
    driven.run(guest, guest_join).await;
    driven.run(guest, chat("hello from a guest")).await;
    let loaded = store.load_room(&driven.id).await.unwrap();
    assert_eq!(loaded.members.len(), 1, "only the creator");
    assert_eq!(loaded.chat[0].user, guest, "a guest's chat keeps its id");

    // A full save of a room with a guest online skips the guest too.
    store
        .save_room(&driven.id, &driven.room.saved(), driven.now)
        .await
        .unwrap();
    assert_eq!(store.load_room(&driven.id).await.unwrap().members.len(), 1);
}

async fn the_stored_seq_never_goes_down(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();
    store
        .save_seq(&room.id, Stamp { seq: 40, at_ms: T0 })
        .await
        .unwrap();
    store
        .save_seq(&room.id, Stamp { seq: 7, at_ms: T0 })
        .await
        .unwrap();
    assert_eq!(store.load_room(&room.id).await.unwrap().seq, 40);
}

async fn writes_to_a_deleted_room_are_not_found(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();
    store.delete_room(&room.id).await.unwrap();
    let stamp = Stamp { seq: 1, at_ms: T0 };
    let results = [
        store.save_playback(&room.id, &saved.clock, stamp).await,
        store.save_seq(&room.id, stamp).await,
        store.clear_playlist(&room.id, stamp).await,
        store.save_room(&room.id, &saved, T0).await,
        store
            .update_settings(&room.id, &saved.settings, stamp)
            .await,
    ];
    for result in results {
        let err = result.unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: Entity::Room }),
            "{err:?}"
        );
    }
}

async fn moving_an_unknown_item_is_not_found(store: Store) {
    let ada = account(&store, "ada").await;
    let mut driven = Driven::create(&store, ada, RoomSettings::new("r")).await;
    driven.run(ada, join("ada")).await;
    driven
        .run(ada, add("https://media.example/a.mp4", None))
        .await;
    let stamp = Stamp { seq: 99, at_ms: T0 };
    for (id, after) in [(ItemId(9), None), (ItemId(1), Some(ItemId(9)))] {
        let err = store
            .move_item(&driven.id, id, after, stamp)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound { what: Entity::Item }),
            "{err:?}"
        );
    }
    assert_eq!(
        store.load_room(&driven.id).await.unwrap(),
        driven.room.saved()
    );
}

async fn a_stored_member_needs_an_account(store: Store) {
    let ada = account(&store, "ada").await;
    let mut saved = new_room(ada, RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();
    let ghost = room::Member {
        user: UserId(999),
        name: "ghost".into(),
        role: Role::Member,
        custom_permissions: None,
        joined_at_ms: T0,
    };
    let stamp = Stamp { seq: 1, at_ms: T0 };
    let err = store
        .upsert_member(&room.id, &ghost, stamp)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: Entity::User }),
        "{err:?}"
    );
    saved.members.push(ghost);
    let err = store.save_room(&room.id, &saved, T0).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: Entity::User }),
        "{err:?}"
    );
    assert_eq!(
        store.load_room(&room.id).await.unwrap().members.len(),
        1,
        "nothing written"
    );
}
