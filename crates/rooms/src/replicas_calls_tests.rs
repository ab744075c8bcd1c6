//! HTTP routes' commands on a follower, and connections the writer does
//! not know: two replicas in one process, as in `replicas_tests`.

use std::time::Duration;

use room::{Actor, AddItem, Kick, NewSource, RoomError, UserId};
use wire::pb::server_message::Kind;

use super::tests::{chat, entry, join, node, setup, WAIT};
use crate::relay::ToWriter;
use crate::{Closing, Member, Rooms, RoomsConfig, RoomsError};

fn add(url: &str) -> room::RoomCommand {
    AddItem {
        title: "film".into(),
        source: NewSource::Url {
            url: url.into(),
            kind: None,
        },
        duration_ms: None,
        request_id: None,
    }
    .into()
}

/// The first message of `kind` a member gets within the wait.
async fn first_of(member: &mut Member, wanted: fn(&Kind) -> bool) -> Option<Kind> {
    let wait = async {
        while let Some(message) = member.queue.recv().await {
            match &message.message().kind {
                Some(kind) if wanted(kind) => return Some(kind.clone()),
                _ => {}
            }
        }
        None
    };
    tokio::time::timeout(WAIT, wait).await.ok().flatten()
}

/// Whether `user` shows online on the room's writer `rooms`, once it
/// settles to `online` (bounded: the writer applies forwards by itself).
async fn settles(rooms: &Rooms, room: &store::RoomId, user: UserId, online: bool) -> bool {
    for _ in 0..100 {
        let now = rooms
            .read(room, move |r, _| r.member(user).is_some_and(|m| m.online))
            .await
            .expect("read");
        if now == online {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_commands_on_a_follower_are_applied_by_the_writer_and_seen_everywhere() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let ann = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(ann, None)).await;

    let host = Actor::User(s.host);
    let (receipt, items) = b
        .apply_then(&s.room, host, add("https://x/a.mp4"), |room| {
            room.playlist().len()
        })
        .await
        .expect("the follower's route was answered");
    assert!(!receipt.replayed);
    assert_eq!(items, 1, "the route reads the room as the command left it");
    for member in [&mut on_a, &mut on_b] {
        let added = first_of(member, |k| matches!(k, Kind::ItemAdded(_))).await;
        assert!(added.is_some(), "a member did not see the item added");
    }

    // A refusal comes back as the room's own error.
    let refused = b
        .apply(&s.room, Actor::User(ann), Kick { user: s.host }.into())
        .await;
    assert!(
        matches!(
            refused,
            Err(RoomsError::Room(
                RoomError::PermissionDenied { .. } | RoomError::Outranked
            ))
        ),
        "{refused:?}"
    );

    // A kick through the follower closes the member's connection there.
    b.apply(&s.room, host, Kick { user: ann }.into())
        .await
        .expect("kick applied");
    let closing = tokio::time::timeout(WAIT, &mut on_b.closed)
        .await
        .expect("the kicked member was never closed")
        .expect("closed");
    assert_eq!(closing, Closing::Kicked);
    let kicked = first_of(&mut on_a, |k| matches!(k, Kind::MemberKicked(_))).await;
    assert!(kicked.is_some(), "the writer's member did not see the kick");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_of_a_connection_the_writer_does_not_know_is_refused_and_the_connection_resumes()
{
    let s = setup().await;
    let a = s.replica("a").await;
    let replicas_b = node(&s.cluster, "b").await;
    let incarnation = replicas_b.incarnation;
    let b = Rooms::clustered(s.store.clone(), RoomsConfig::default(), replicas_b);
    let ann = s.user("ann").await;
    let _on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(ann, None)).await;

    // The writer forgets the connection (as a new writer that never saw
    // its join would not know it).
    let leave = ToWriter::Leave {
        node: "b".into(),
        incarnation,
        conn: on_b.conn.raw(),
    };
    let queue = &s.cluster.commands;
    queue
        .forward(s.room.as_str(), "forged-leave", leave.encode())
        .await
        .expect("forward");
    assert!(
        settles(&a, &s.room, ann, false).await,
        "the leave never applied"
    );

    b.command(&s.room, on_b.conn, ann, chat("lost?", "c1"), "c1".into())
        .await
        .expect("command sent");
    let error = first_of(&mut on_b, |k| matches!(k, Kind::Error(_))).await;
    let Some(Kind::Error(error)) = error else {
        panic!("the command was dropped without an answer");
    };
    assert_eq!(
        (error.code.as_str(), error.request_id.as_str()),
        ("not_joined", "c1")
    );
    let closing = tokio::time::timeout(WAIT, &mut on_b.closed)
        .await
        .expect("the unknown connection was not asked to resume")
        .expect("closed");
    assert_eq!(closing, Closing::TooSlow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_under_its_node_id_is_not_taken_for_its_earlier_run() {
    let s = setup().await;
    let a = s.replica("a").await;
    let ann = s.user("ann").await;
    let _on_a = join(&a, &s.room, &entry(s.host, None)).await;

    // An earlier run of node b had ann in the room, then died unnoticed.
    let earlier = ToWriter::Join {
        node: "b".into(),
        incarnation: 111,
        conn: 1,
        user: ann.0,
        name: "ann".into(),
        guest: false,
        password_ok: false,
        last_seq: None,
    };
    let queue = &s.cluster.commands;
    queue
        .forward(s.room.as_str(), "earlier-join", earlier.encode())
        .await
        .expect("forward");
    assert!(
        settles(&a, &s.room, ann, true).await,
        "the earlier join never applied"
    );

    // The new run joins her (its answer, not the earlier run's, lets her
    // in), then she leaves: she is offline, not held by the dead run.
    let b = s.replica("b").await;
    let on_b = join(&b, &s.room, &entry(ann, None)).await;
    b.leave(&s.room, on_b.conn).await.expect("leave");
    assert!(
        settles(&a, &s.room, ann, false).await,
        "the earlier run's connection still counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_ban_on_one_replica_closes_the_users_connections_on_the_others() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let ann = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(ann, None)).await;

    a.expel_everywhere(ann).await;
    let closing = tokio::time::timeout(WAIT, &mut on_b.closed)
        .await
        .expect("the banned user's connection on the other replica stayed open")
        .expect("closed");
    assert_eq!(closing, Closing::Banned);
    let left = first_of(&mut on_a, |k| matches!(k, Kind::MemberLeft(_))).await;
    assert!(left.is_some(), "the writer never counted her gone");
}
