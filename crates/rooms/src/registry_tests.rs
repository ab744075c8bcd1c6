//! The registry with real storage (SQLite in memory) and real actors.

use std::time::Duration;

use room::{RoomLimits, RoomSettings, UserId};
use store::{RoomRepo, UserRepo};

use super::*;
use crate::{Closing, Entry};

const NOW: i64 = 1_700_000_000_000;
const WAIT: Duration = Duration::from_secs(10);

/// A stored room created by a new account; its id and its creator.
async fn stored_room(store: &Store) -> (RoomId, UserId) {
    let user = store
        .create_user("host", "x", NOW)
        .await
        .expect("create user");
    let room = Room::new(
        user.id,
        "host",
        RoomSettings::new("movie night"),
        RoomLimits::default(),
        NOW,
    )
    .expect("new room");
    let record = store
        .create_room(user.id, &room.saved(), None, NOW)
        .await
        .expect("create room");
    (record.id, user.id)
}

fn entry(user: UserId) -> Entry {
    Entry {
        user,
        name: "host".into(),
        guest: false,
        password_ok: false,
        last_seq: None,
    }
}

/// Holds the room's actor inside a read until the returned sender is
/// used, and waits until its inbox is full behind it.
async fn hold_with_full_inbox(rooms: &Rooms, id: &RoomId) -> std::sync::mpsc::Sender<()> {
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (entered, holding) = tokio::sync::oneshot::channel();
    tokio::spawn({
        let (rooms, id) = (rooms.clone(), id.clone());
        async move {
            let hold = move |_: &Room, _| {
                let _ = entered.send(());
                // The worker's other tasks move on while the actor waits.
                tokio::task::block_in_place(|| held.recv_timeout(WAIT * 3))
            };
            rooms.read(&id, hold).await
        }
    });
    tokio::time::timeout(WAIT, holding)
        .await
        .expect("the actor never took the read")
        .expect("the read ran");
    for _ in 0..INBOX + 8 {
        let (rooms, id) = (rooms.clone(), id.clone());
        tokio::spawn(async move { rooms.read(&id, |_, _| ()).await });
    }
    let sender = rooms.running(id).expect("the room is loaded");
    let full = async {
        while sender.capacity() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(WAIT, full)
        .await
        .expect("the inbox never filled up");
    release
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_deleted_room_reaches_its_members_even_when_its_inbox_is_full() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let rooms = Rooms::new(store.clone(), RoomsConfig::default());
    let mut member = rooms.join(&id, &entry(host)).await.expect("join");
    store.delete_room(&id).await.expect("delete");
    let release = hold_with_full_inbox(&rooms, &id).await;

    let closing = tokio::spawn({
        let (rooms, id) = (rooms.clone(), id.clone());
        async move { rooms.close(&id).await }
    });
    release.send(()).expect("the actor holds the read");

    let closed = tokio::time::timeout(WAIT, &mut member.closed).await;
    assert_eq!(
        closed.expect("the member was never told the room closed"),
        Ok(Closing::RoomClosed)
    );
    let mut told = false;
    while let Ok(message) = member.queue.try_recv() {
        told |= matches!(
            message.message().kind,
            Some(wire::pb::server_message::Kind::RoomClosed(_))
        );
    }
    assert!(told, "the room_closed event precedes the close");
    tokio::time::timeout(WAIT, closing)
        .await
        .expect("close returns once the actor has it")
        .expect("close task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_ban_closes_the_accounts_connections_even_when_the_inbox_is_full() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let rooms = Rooms::new(store, RoomsConfig::default());
    let mut member = rooms.join(&id, &entry(host)).await.expect("join");
    let release = hold_with_full_inbox(&rooms, &id).await;

    let expelling = tokio::spawn({
        let rooms = rooms.clone();
        async move { rooms.expel_everywhere(host).await }
    });
    release.send(()).expect("the actor holds the read");

    let closed = tokio::time::timeout(WAIT, &mut member.closed).await;
    assert_eq!(
        closed.expect("the banned account kept its connection"),
        Ok(Closing::Banned)
    );
    tokio::time::timeout(WAIT, expelling)
        .await
        .expect("the ban returns once every room has it")
        .expect("ban task");
}

fn danmaku() -> room::RoomCommand {
    room::SendDanmaku {
        text: "wow".into(),
        color: 0xffffff,
        mode: room::DanmakuMode::Scroll,
        media_position_ms: None,
        request_id: None,
    }
    .into()
}

#[tokio::test]
async fn a_brand_new_room_starts_at_its_own_seq() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let created = store.load_room(&id).await.expect("load").seq;
    let rooms = Rooms::new(store, RoomsConfig::default());
    let member = rooms.join(&id, &entry(host)).await.expect("join");
    let welcome = &member.first[0];
    assert!(welcome.message().kind.is_some());
    // The only event so far: the host's join.
    assert_eq!(welcome.seq(), created + 1);
}

#[tokio::test]
async fn a_room_loaded_again_after_a_crash_continues_past_every_seq_it_sent() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let first_run = Rooms::new(store.clone(), RoomsConfig::default());
    let mut member = first_run.join(&id, &entry(host)).await.expect("join");
    let mut last_seen = member.first[0].seq();
    for request in ["d1", "d2"] {
        let command = danmaku();
        let conn = member.conn;
        let sent = first_run.command(&id, conn, host, command, request.into());
        sent.await.expect("command");
        let event = tokio::time::timeout(WAIT, member.queue.recv())
            .await
            .expect("the danmaku in time")
            .expect("the queue is open");
        last_seen = last_seen.max(event.seq());
    }

    // Another process loads the room while the first one never saved:
    // danmaku are not stored, so only the reservation protects them.
    let second_run = Rooms::new(store, RoomsConfig::default());
    let resuming = Entry {
        last_seq: Some(last_seen),
        ..entry(host)
    };
    let again = second_run.join(&id, &resuming).await.expect("join");
    let first = again.first[0].message();
    assert!(
        matches!(first.kind, Some(wire::pb::server_message::Kind::Welcome(_))),
        "a client resuming from the first run gets a fresh welcome: {first:?}"
    );
    assert!(first.seq > last_seen, "{} <= {last_seen}", first.seq);
}
