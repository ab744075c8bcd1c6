//! Chat history over HTTP with real messages: chats sent over WebSocket,
//! then read back page by page, on SQLite and on the real PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use common::realtime::{Client, Server};
use common::Store;
use serde_json::{json, Value};

/// More chats than one page holds (pages are capped at 100).
const SENT: u64 = 105;

fn texts(page: &Value) -> Vec<String> {
    page.as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

fn expected(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|n| format!("m{n}")).collect()
}

async fn chat_history_pages_back_from_the_newest(store: Store) {
    let mut rooms = rooms::RoomsConfig::default();
    rooms.limits.chat_rate = room::RateLimit {
        burst: 1_000,
        every_ms: 1,
    };
    let server = Server::start(store, rooms).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "chatty"})).await;
    let mut client = Client::ws(&server, &room, Some(&host), false).await;
    let start = client.join(None, "").await["seq"].as_u64().unwrap();
    for n in 0..SENT {
        let chat = json!({"type": "chat", "text": format!("m{n}"), "request_id": format!("c{n}")});
        client.send(chat).await;
    }
    client.events_through(start + SENT).await;
    let chat = format!("/api/v1/rooms/{room}/chat");

    let (status, newest) = server.api("GET", &chat, &host, Value::Null).await;
    assert_eq!(status, 200, "{newest}");
    assert_eq!(
        texts(&newest),
        expected(55..SENT),
        "the newest 50, oldest first"
    );
    assert_eq!(newest[0]["name"], "host");
    let ids: Vec<u64> = newest
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let older = format!("{chat}?before={}&limit=10", ids[0]);
    let (_, page) = server.api("GET", &older, &host, Value::Null).await;
    assert_eq!(texts(&page), expected(45..55), "the ten before it");

    let (_, capped) = server
        .api("GET", &format!("{chat}?limit=1000"), &host, Value::Null)
        .await;
    assert_eq!(texts(&capped), expected(5..SENT), "at most 100 a page");
    let rest = format!("{chat}?before={}&limit=100", capped[0]["id"]);
    let (_, first) = server.api("GET", &rest, &host, Value::Null).await;
    assert_eq!(texts(&first), expected(0..5), "the oldest, then nothing");
    let none = format!("{chat}?before={}", first[0]["id"]);
    assert_eq!(
        server.api("GET", &none, &host, Value::Null).await.1,
        json!([])
    );
}
on_both_backends!(pages, chat_history_pages_back_from_the_newest);
