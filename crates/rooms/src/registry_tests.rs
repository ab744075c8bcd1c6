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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_deleted_room_reaches_its_members_even_when_its_inbox_is_full() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let rooms = Rooms::new(store.clone(), RoomsConfig::default());
    let mut member = rooms.join(&id, &entry(host)).await.expect("join");
    store.delete_room(&id).await.expect("delete");

    // The actor is held inside a read while its inbox fills up.
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
    let sender = rooms.running(&id).expect("the room is loaded");
    let full = async {
        while sender.capacity() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(WAIT, full)
        .await
        .expect("the inbox never filled up");

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
