//! A room's writer changing hands: request ids stored with the room, and
//! the writer fence in storage. Two replicas in one process, as in
//! `replicas_tests`; the fence test runs on a PostgreSQL database of its
//! own.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cluster::Timing;
use room::{Actor, AddItem, NewSource, RequestId, RoomCommand};
use store::{RoomId, RoomStateRepo, Store};

use super::tests::{entry, join, setup, setup_with, WAIT};
use crate::{Closing, RoomsError};

fn add(url: &str, request_id: Option<&str>) -> RoomCommand {
    AddItem {
        title: "film".into(),
        source: NewSource::Url {
            url: url.into(),
            kind: None,
        },
        duration_ms: None,
        request_id: request_id.map(|id| RequestId::new(id).expect("request id")),
    }
    .into()
}

async fn stored_urls(store: &Store, room: &RoomId) -> Vec<String> {
    let saved = store.load_room(room).await.expect("load");
    saved
        .playlist
        .iter()
        .map(|item| match &item.source {
            room::ItemSource::Url { url, .. } => url.clone(),
            room::ItemSource::Live => "live".to_owned(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_retried_on_the_next_writer_after_the_first_died_applies_once() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let host = Actor::User(s.host);
    let url = "https://media.test/once.mp4";
    let first = a
        .apply(&s.room, host, add(url, Some("add-1")))
        .await
        .expect("applied on the first writer");
    assert!(!first.replayed);

    // The first writer's node dies before its caller heard the answer;
    // the caller retries on another replica, which takes the room over.
    s.cluster.nodes.withdraw("a").await.expect("withdraw");
    let retry = tokio::time::timeout(WAIT, b.apply(&s.room, host, add(url, Some("add-1"))))
        .await
        .expect("the retry was never answered")
        .expect("the retry was refused");
    let holder = s.cluster.room_writers.holder(s.room.as_str()).await;
    let holder = holder.expect("holder").map(|h| h.lease.node);
    assert_eq!(holder.as_deref(), Some("b"), "node-b writes the room now");
    assert!(retry.replayed, "the retry applied again: {retry:?}");
    assert_eq!(retry.seq, first.seq, "the replay answers the first receipt");
    assert_eq!(stored_urls(&s.store, &s.room).await, [url]);
}

/// A database of its own on the PostgreSQL at 127.0.0.1:5432, dropped
/// when the test ends.
struct PgDatabase {
    name: String,
}

impl PgDatabase {
    fn create() -> PgDatabase {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("synctv_rooms_fence_{}_{nanos}", std::process::id());
        let status = Command::new("createdb")
            .args(["-h", "127.0.0.1", "-U", "postgres", &name])
            .status()
            .expect("run createdb");
        assert!(status.success(), "createdb {name} failed");
        PgDatabase { name }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("dropdb")
            .args(["-h", "127.0.0.1", "-U", "postgres", "--force", &self.name])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_missed_a_takeover_is_refused_by_storage_and_steps_down() {
    let database = PgDatabase::create();
    let dir = std::env::temp_dir();
    let store = Store::open(Some(&database.url()), &dir)
        .await
        .expect("open PostgreSQL");
    // Lease checks far apart: node-a keeps believing it holds the room
    // after node-b took it, as after a lost link to Redis.
    let slow = Timing {
        ttl: Duration::from_secs(600),
        refresh_every: Duration::from_secs(200),
        check_every: Duration::from_secs(200),
    };
    let s = setup_with(store, slow).await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let host = Actor::User(s.host);
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    a.apply(&s.room, host, add("https://media.test/a.mp4", None))
        .await
        .expect("applied by node-a");

    s.cluster.nodes.withdraw("a").await.expect("withdraw");
    b.apply(&s.room, host, add("https://media.test/b.mp4", None))
        .await
        .expect("applied by node-b, the new writer");

    // node-a still runs the room as its writer; storage refuses it.
    let late = tokio::time::timeout(
        WAIT,
        a.apply(&s.room, host, add("https://media.test/late.mp4", None)),
    )
    .await
    .expect("the late command was never answered");
    assert!(
        matches!(late, Err(RoomsError::Unavailable)),
        "node-a's write was not refused: {late:?}"
    );
    let closing = tokio::time::timeout(WAIT, &mut on_a.closed)
        .await
        .expect("node-a's member was never handed over")
        .expect("closed");
    assert_eq!(closing, Closing::TooSlow, "members are asked to resume");
    assert_eq!(
        stored_urls(&s.store, &s.room).await,
        ["https://media.test/a.mp4", "https://media.test/b.mp4"],
        "node-a wrote after node-b took the room"
    );
    s.store.close().await;
}
