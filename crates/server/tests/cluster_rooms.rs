//! Rooms across replicas, end to end: three synctv processes on 127.0.0.2,
//! .3 and .4 sharing a PostgreSQL database and a Redis key prefix of their
//! own; members on each replica over WebSocket, and one over gRPC.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/grpc_member.rs"]
mod grpc_member;
#[path = "support/room_cluster.rs"]
mod replica;
mod support;

use std::time::{Duration, Instant};

use grpc_member::GrpcMember;
use replica::{Replica, Shared};
use serde_json::{json, Value};
use support::api::{self, RoomSocket};

const REDIS: &str = "redis://127.0.0.1:6379";
const WAIT: Duration = Duration::from_secs(20);
/// How long a member may wait to get back in after the writer died (a
/// bound for the wait, not a figure under test): the dead node's record
/// expires within 15 s, and a follower whose link to Redis is healthy
/// then stops at its next check, so the next join claims the room.
const TAKEOVER: Duration = Duration::from_secs(45);
/// Chats each member sends: within one member's chat rate.
const EACH: usize = 4;

/// Joins `room` on `replica` as `token`; the socket and the seq it is at.
fn enter(
    replica: &Replica,
    room: &str,
    token: &str,
    last_seq: Option<u64>,
    wait: Duration,
) -> (RoomSocket, u64) {
    let mut socket = RoomSocket::connect(replica.http, room, token);
    socket.send(&json!({"type": "join", "last_seq": last_seq, "password": ""}));
    let first = socket
        .wait_for(wait, |m| m["type"] == "welcome" || m["type"] == "resumed")
        .unwrap_or_else(|| panic!("no welcome from {}", replica.node));
    let seq = first["seq"].as_u64().unwrap();
    (socket, seq)
}

/// The chats a member receives, as (seq, text), until it has `count`.
fn chats(socket: &mut RoomSocket, count: usize) -> Vec<(u64, String)> {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while seen.len() < count && Instant::now() < deadline {
        let Some(chat) = socket.wait_for(Duration::from_secs(1), |m| m["type"] == "chat") else {
            continue;
        };
        let text = chat["text"].as_str().unwrap_or_default().to_owned();
        seen.push((chat["seq"].as_u64().unwrap(), text));
    }
    seen
}

fn send_chats(socket: &mut RoomSocket, who: &str) {
    for i in 0..EACH {
        let id = format!("{who}-{i}");
        socket.send(&json!({"type": "chat", "text": id, "request_id": id}));
    }
}

fn create_room(replica: &Replica, token: &str) -> String {
    let body = json!({"name": "cluster room"});
    let (status, room) = api::call(replica.http, "POST", "/api/v1/rooms", Some(token), &body);
    assert_eq!(status, 201, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

#[test]
fn websocket_and_grpc_members_on_three_replicas_see_one_sequence_and_resume_after_the_writer_dies()
{
    let shared = Shared::new("rooms", REDIS);
    let a = Replica::start(&shared, "127.0.0.2", "node-a");
    let b = Replica::start(&shared, "127.0.0.3", "node-b");
    let c = Replica::start(&shared, "127.0.0.4", "node-c");
    let host = api::register(a.http, "host");
    let ann = api::register(b.http, "ann");
    let bob = api::register(c.http, "bob");
    let dan = api::register(c.http, "dan");
    let room = create_room(&a, &host);

    // The first join makes node-a the room's writer.
    let (on_a, _) = enter(&a, &room, &host, None, WAIT);
    let (on_b, _) = enter(&b, &room, &ann, None, WAIT);
    let (on_c, _) = enter(&c, &room, &bob, None, WAIT);
    let (mut over_grpc, _) = GrpcMember::join(c.http, &room, &dan);
    let total = 4 * EACH;
    let grpc_thread = std::thread::spawn(move || {
        for i in 0..EACH {
            let id = format!("grpc-{i}");
            over_grpc.send(&json!({"type": "chat", "text": id, "request_id": id}).to_string());
        }
        over_grpc.chats(total, WAIT)
    });
    let members = [(on_a, "a"), (on_b, "b"), (on_c, "c")];
    let threads: Vec<_> = members
        .into_iter()
        .map(|(mut socket, who)| {
            std::thread::spawn(move || {
                send_chats(&mut socket, who);
                let seen = chats(&mut socket, total);
                (socket, seen)
            })
        })
        .collect();
    let results: Vec<(RoomSocket, Vec<(u64, String)>)> =
        threads.into_iter().map(|t| t.join().unwrap()).collect();
    let sequence = results[0].1.clone();
    assert_eq!(sequence.len(), total, "the writer's member: {sequence:?}");
    for (i, (_, seen)) in results.iter().enumerate() {
        assert_eq!(seen, &sequence, "member {i} saw another sequence");
    }
    let over_grpc = grpc_thread.join().unwrap();
    assert_eq!(over_grpc, sequence, "the gRPC member saw another sequence");
    assert!(sequence.windows(2).all(|w| w[0].0 < w[1].0), "{sequence:?}");
    let last_seq = sequence.last().unwrap().0;
    drop(results);

    // The writer dies; members come back on the other replicas with their
    // last seq and the room goes on there.
    let killed = Instant::now();
    a.kill();
    let (mut back_b, at_b) = enter(&b, &room, &ann, Some(last_seq), TAKEOVER);
    // Measured, not asserted: the design's bound is 15 s.
    eprintln!(
        "writer takeover: a member was back in {:.1} s after the writer was killed",
        killed.elapsed().as_secs_f64()
    );
    let (mut back_c, _) = enter(&c, &room, &bob, Some(last_seq), TAKEOVER);
    assert!(
        at_b >= last_seq,
        "resumed behind what was seen: {at_b} < {last_seq}"
    );
    back_b.send(&json!({"type": "chat", "text": "after", "request_id": "after-1"}));
    let on_b = chats(&mut back_b, 1);
    let on_c = chats(&mut back_c, 1);
    assert_eq!(on_b.len(), 1, "no chat after the takeover on node-b");
    assert_eq!(on_b, on_c, "node-b and node-c disagree after the takeover");
    assert!(
        on_b[0].0 > last_seq,
        "a seq was reused: {on_b:?} <= {last_seq}"
    );

    // What was acknowledged before the death is kept.
    let path = format!("/api/v1/rooms/{room}/chat?limit=50");
    let (status, history) = api::call(b.http, "GET", &path, Some(&ann), &Value::Null);
    assert_eq!(status, 200, "{history}");
    let text = history.to_string();
    for (_, said) in &sequence {
        assert!(
            text.contains(said.as_str()),
            "{said} lost from the history: {text}"
        );
    }
}

#[test]
fn http_room_commands_sent_to_a_follower_replica_reach_members_on_every_replica() {
    let shared = Shared::new("rooms_http", REDIS);
    let a = Replica::start(&shared, "127.0.0.2", "node-a");
    let b = Replica::start(&shared, "127.0.0.3", "node-b");
    let c = Replica::start(&shared, "127.0.0.4", "node-c");
    let host = api::register(a.http, "host");
    let dan = api::register(b.http, "dan");
    let ann = api::register(c.http, "ann");
    let room = create_room(&a, &host);
    // node-a writes the room; node-b and node-c follow it.
    let (mut on_a, _) = enter(&a, &room, &host, None, WAIT);
    let (mut on_b, _) = enter(&b, &room, &dan, None, WAIT);
    let mut on_c = RoomSocket::connect(c.http, &room, &ann);
    on_c.send(&json!({"type": "join", "password": ""}));
    let welcome = on_c
        .wait_for(WAIT, |m| m["type"] == "welcome")
        .expect("no welcome on node-c");
    let ann_id = welcome["user_id"].as_u64().unwrap();

    // A playlist add and edit through node-b, which does not write the room.
    let playlist = format!("/api/v1/rooms/{room}/playlist");
    let body = json!({"url": "https://media.test/a.mp4", "title": "first"});
    let (status, added) = api::call(b.http, "POST", &playlist, Some(&host), &body);
    assert_eq!(status, 201, "add on a follower: {added}");
    let item = added["item"]["id"].as_u64().expect("the added item");
    let path = format!("{playlist}/{item}");
    let body = json!({"title": "renamed"});
    let (status, edited) = api::call(b.http, "PATCH", &path, Some(&host), &body);
    assert_eq!(status, 200, "edit on a follower: {edited}");
    for (socket, node) in [(&mut on_a, "a"), (&mut on_b, "b"), (&mut on_c, "c")] {
        let seen = socket.wait_for(WAIT, |m| {
            m["type"] == "item_edited" && m["item"]["title"] == "renamed"
        });
        assert!(seen.is_some(), "the member on node-{node} missed the edit");
    }

    // A kick through node-b closes ann's connection on node-c.
    let kick = format!("/api/v1/rooms/{room}/members/{ann_id}/kick");
    let (status, kicked) = api::call(b.http, "POST", &kick, Some(&host), &Value::Null);
    assert_eq!(status, 200, "kick on a follower: {kicked}");
    assert_eq!(on_c.close_reason(WAIT).as_deref(), Some("kicked"));
    for (socket, node) in [(&mut on_a, "a"), (&mut on_b, "b")] {
        let seen = socket.wait_for(WAIT, |m| {
            m["type"] == "member_kicked" && m["user_id"].as_u64() == Some(ann_id)
        });
        assert!(seen.is_some(), "the member on node-{node} missed the kick");
    }
    let (status, list) = api::call(c.http, "GET", &playlist, Some(&host), &Value::Null);
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["title"], "renamed", "{list}");
}

#[test]
fn a_chat_retried_on_the_next_writer_after_the_first_was_killed_is_applied_once() {
    let shared = Shared::new("rooms_retry", REDIS);
    let a = Replica::start(&shared, "127.0.0.2", "node-a");
    let b = Replica::start(&shared, "127.0.0.3", "node-b");
    let host = api::register(a.http, "host");
    let room = create_room(&a, &host);
    let (mut on_a, _) = enter(&a, &room, &host, None, WAIT);
    let said = json!({"type": "chat", "text": "only once", "request_id": "once-1"});
    on_a.send(&said);
    let ack = on_a
        .wait_for(WAIT, |m| m["type"] == "ack" && m["request_id"] == "once-1")
        .expect("no ack from the first writer");
    assert_eq!(ack["replayed"], false, "{ack}");
    let applied_seq = ack["applied_seq"].as_u64().unwrap();

    // The writer is killed (SIGKILL); the client did not trust its ack
    // and sends the same chat again through another replica.
    a.kill();
    let (mut on_b, _) = enter(&b, &room, &host, Some(applied_seq), TAKEOVER);
    on_b.send(&said);
    let again = on_b
        .wait_for(WAIT, |m| {
            (m["type"] == "ack" || m["type"] == "error") && m["request_id"] == "once-1"
        })
        .expect("no answer to the retry from the new writer");
    assert_eq!(again["type"], "ack", "{again}");
    assert_eq!(again["replayed"], true, "the retry applied again: {again}");
    assert_eq!(again["applied_seq"].as_u64(), Some(applied_seq), "{again}");

    let path = format!("/api/v1/rooms/{room}/chat?limit=50");
    let (status, history) = api::call(b.http, "GET", &path, Some(&host), &Value::Null);
    assert_eq!(status, 200, "{history}");
    let copies = history.to_string().matches("only once").count();
    assert_eq!(copies, 1, "the chat is stored {copies} times: {history}");
}
