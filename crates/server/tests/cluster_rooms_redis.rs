//! Rooms across replicas when Redis fails: three synctv processes on a
//! Redis of the test's own, one of them behind a TCP proxy; Redis is
//! restarted empty and the proxied replica's connections are cut while
//! members chat. Every member ends with the same chats, none twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/member.rs"]
mod member;
#[path = "support/room_cluster.rs"]
mod replica;
mod support;

use std::collections::HashSet;
use std::time::Duration;

use member::{Member, OwnRedis, Proxy};
use replica::{Replica, Shared};
use serde_json::json;
use support::api;

const READ: Duration = Duration::from_secs(60);

fn chat_all(members: &mut [Member], round: &str) {
    for (i, member) in members.iter_mut().enumerate() {
        member.chat(&format!("{round}-{i}"));
    }
}

fn read_all(members: &mut [Member], count: usize) {
    for member in members.iter_mut() {
        member.read_chats(count, READ);
    }
}

#[test]
fn a_redis_restart_and_a_cut_redis_link_lose_and_duplicate_no_chat() {
    let mut redis = OwnRedis::start();
    let proxy = Proxy::start(redis.addr());
    let shared = Shared::new("roomsredis", &redis.url());
    let a = Replica::start(&shared, "127.0.0.2", "node-a");
    let b = Replica::start(&shared, "127.0.0.3", "node-b");
    let proxied = format!("redis://{}", proxy.addr);
    let c = Replica::start_with(&shared, "127.0.0.4", "node-c", &proxied);
    let host = api::register(a.http, "host");
    let ann = api::register(b.http, "ann");
    let bob = api::register(c.http, "bob");
    let body = json!({"name": "stormy room"});
    let (status, room) = api::call(a.http, "POST", "/api/v1/rooms", Some(&host), &body);
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();

    let mut members = vec![
        Member::join(a.http, &room, &host),
        Member::join(b.http, &room, &ann),
        Member::join(c.http, &room, &bob),
    ];
    chat_all(&mut members, "calm");
    read_all(&mut members, 3);

    // Redis dies with everything in it; chats sent meanwhile wait.
    redis.kill();
    proxy.cut();
    chat_all(&mut members, "outage");
    std::thread::sleep(Duration::from_secs(1));
    redis.restart();
    read_all(&mut members, 6);

    // Only node-c loses its link this time.
    proxy.cut();
    chat_all(&mut members, "cut");
    read_all(&mut members, 9);

    let expected: HashSet<String> = ["calm", "outage", "cut"]
        .iter()
        .flat_map(|round| (0..3).map(move |i| format!("{round}-{i}")))
        .collect();
    let reference = members[0].chats.clone();
    for (i, member) in members.iter().enumerate() {
        let texts: Vec<&str> = member.chats.iter().map(|(_, t)| t.as_str()).collect();
        let unique: HashSet<String> = texts.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(
            texts.len(),
            unique.len(),
            "member {i} saw a chat twice: {texts:?}"
        );
        assert_eq!(unique, expected, "member {i} lost chats: {texts:?}");
        assert_eq!(member.chats, reference, "member {i} saw another order");
    }
}
