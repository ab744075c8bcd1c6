//! How long a realtime connection may stay quiet: one that never joins and
//! a member that sends nothing are dropped, heartbeats alone keep a member
//! (on both backends).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::realtime::{Client, Server};
use common::Store;
use serde_json::json;

fn short_timeouts() -> rooms::RoomsConfig {
    rooms::RoomsConfig {
        join_timeout: Duration::from_millis(300),
        silence_timeout: Duration::from_millis(1500),
        ..rooms::RoomsConfig::default()
    }
}

async fn a_connection_that_never_joins_is_dropped(store: Store) {
    let server = Server::start(store, short_timeouts()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "waiting"})).await;
    let mut idle = Client::ws(&server, &room, Some(&host), false).await;
    assert!(idle.next_until_closed().await, "closed without a join");
}
on_both_backends!(join_timeout, a_connection_that_never_joins_is_dropped);

async fn a_silent_member_is_dropped_even_in_a_busy_room(store: Store) {
    let server = Server::start(store, short_timeouts()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "busy"})).await;
    let mut silent = Client::ws(&server, &room, Some(&host), false).await;
    silent.join(None, "").await;
    let mut talker = Client::ws(&server, &room, Some(&host), false).await;
    talker.join(None, "").await;
    let (done, mut stop) = tokio::sync::oneshot::channel::<()>();
    // Chats reach the silent member more often than its silence limit.
    let talking = tokio::spawn(async move {
        for n in 0..40 {
            let chat =
                json!({"type": "chat", "text": format!("t{n}"), "request_id": format!("t{n}")});
            talker.send(chat).await;
            tokio::time::sleep(Duration::from_millis(700)).await;
            if stop.try_recv().is_ok() {
                break;
            }
        }
        talker
    });
    let mut chats_seen = 0;
    while let Some(message) = silent.next().await {
        chats_seen += usize::from(message["type"] == "chat");
    }
    let _ = done.send(());
    let mut talker = talking.await.unwrap();
    assert!(chats_seen >= 1, "the room was busy while it was silent");
    // The talker, who speaks, is still there.
    talker.send(json!({"type": "heartbeat"})).await;
    talker
        .send(json!({"type": "time_ping", "client_time_ms": 1}))
        .await;
    assert_eq!(talker.until("time_pong").await["client_time_ms"], 1);
}
on_both_backends!(silent, a_silent_member_is_dropped_even_in_a_busy_room);

async fn heartbeats_alone_keep_a_member_connected(store: Store) {
    let rooms = rooms::RoomsConfig {
        silence_timeout: Duration::from_millis(600),
        ..short_timeouts()
    };
    let server = Server::start(store, rooms).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let room = server.room(&host, json!({"name": "r"})).await;
    let mut quiet = Client::ws(&server, &room, Some(&ann), false).await;
    quiet.join(None, "").await;
    // Well past the silence timeout, with a heartbeat every third of it.
    for _ in 0..8 {
        quiet.send(json!({"type": "heartbeat"})).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut talker = Client::ws(&server, &room, Some(&host), false).await;
    talker.join(None, "").await;
    let chat = json!({"type": "chat", "text": "still there?", "request_id": "c"});
    talker.send(chat).await;
    let heard = quiet.until("chat").await;
    assert_eq!(heard["text"], "still there?");
}
on_both_backends!(heartbeats, heartbeats_alone_keep_a_member_connected);
