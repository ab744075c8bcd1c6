//! A room's viewer count across replicas, with real processes: two
//! replicas on 127.0.0.2/3, ffmpeg publishing on B and playing FLV from
//! B, a member's WebSocket on A (the room's writer). The count the member
//! sees is the stage accounting's, which counts the FLV viewer on B.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::api::{self, RoomSocket};
use support::replica::Cluster;
use support::{decode, publish};

const WAIT: Duration = Duration::from_secs(30);

const SHORT: &[(&str, &str)] = &[
    ("SYNCTV_LIVE__VIEWER_EXPIRY_SECS", "3"),
    ("SYNCTV_LIVE__VIEWER_HEARTBEAT_SECS", "1"),
    ("SYNCTV_LIVE__STAGE_TICK_SECS", "0.5"),
];

#[test]
fn a_viewer_playing_flv_on_one_replica_is_counted_for_members_on_another() {
    let cluster = Cluster::new("cluster_viewers");
    let a = cluster.start("node-a", "127.0.0.2", SHORT);
    let b = cluster.start("node-b", "127.0.0.3", SHORT);
    let host = api::register(a.http, "host");
    let (status, room) = api::call(
        a.http,
        "POST",
        "/api/v1/rooms",
        Some(&host),
        &json!({"name": "open"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();

    // The host's socket on A loads the room first: A is its writer, and
    // B, where the stream and its viewer are, has no member of the room.
    let mut socket = RoomSocket::connect(a.http, &room, &host);
    socket.send(&json!({"type": "join"}));
    let welcome = socket.wait_for(WAIT, |m| m["type"] == "welcome");
    assert!(welcome.is_some(), "the host joined on A");

    let (_, url) = api::call(
        a.http,
        "GET",
        &format!("/api/v1/rooms/{room}/live/publish-url"),
        Some(&host),
        &Value::Null,
    );
    let _streamer = publish(&b.publish_url(url["key"].as_str().unwrap()), 60, &[]);
    assert!(b.wait_for_log(&["publish started", &room], WAIT));

    // A viewer watches through B: its stage is the publisher's replica.
    let fan = api::register(b.http, "fan");
    let watch = format!("/api/v1/rooms/{room}/live/watch");
    let (status, seat) = api::call(b.http, "POST", &watch, Some(&fan), &Value::Null);
    assert_eq!(status, 200, "{seat}");
    assert_eq!(seat["stage"]["node"], "node-b", "{seat}");
    let flv = seat["flv"].as_str().unwrap().to_owned();
    assert!(flv.contains(&b.http.to_string()), "{flv}");

    // It plays FLV from B for longer than the expiry (3 s): its open
    // connection keeps it counted, and the member on A is told.
    let player = std::thread::spawn(move || decode(&flv, 8));
    let counted = socket.wait_for(WAIT, |m| {
        m["type"] == "viewer_count" && m["viewers"].as_u64() == Some(1)
    });
    assert!(
        counted.is_some(),
        "the member on A never saw the viewer on B"
    );
    let played = player.join().unwrap();
    assert!(played.video_frames >= 50, "the viewer's FLV: {played:?}");

    // The viewer left: once its beats expire, the count falls back.
    let gone = socket.wait_for(WAIT, |m| {
        m["type"] == "viewer_count" && m["viewers"].as_u64() == Some(0)
    });
    assert!(
        gone.is_some(),
        "the count never fell back after the viewer left"
    );
}
