//! Playing from stages, with real processes: two replicas on 127.0.0.2/3
//! (stage capacity 1), a room with a password, ffmpeg publishing on A and
//! playing FLV and HLS from each stage's replica, a member's WebSocket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::api::{self, RoomSocket};
use support::replica::Cluster;
use support::{decode, publish, Server};

const WAIT: Duration = Duration::from_secs(30);

const SHORT: &[(&str, &str)] = &[
    ("SYNCTV_LIVE__STAGE_CAPACITY", "1"),
    ("SYNCTV_LIVE__STAGE_IDLE_SECS", "60"),
    ("SYNCTV_LIVE__VIEWER_EXPIRY_SECS", "3"),
    ("SYNCTV_LIVE__VIEWER_HEARTBEAT_SECS", "1"),
    ("SYNCTV_LIVE__STAGE_TICK_SECS", "0.5"),
];

fn viewers(server: &Server, room: &str, token: &str) -> Vec<(String, u64)> {
    let path = format!("/api/v1/rooms/{room}/live/stages");
    let (status, body) = api::call(server.http, "GET", &path, Some(token), &Value::Null);
    assert_eq!(status, 200, "{body}");
    let stages = body["stages"].as_array().cloned().unwrap_or_default();
    stages
        .iter()
        .map(|s| {
            (
                s["node"].as_str().unwrap_or_default().to_owned(),
                s["viewers"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The status line and body of a plain HTTP GET of `url` (`http://…`).
fn get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut socket = TcpStream::connect(host).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        socket,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = Vec::new();
    let _ = socket.take(64 * 1024).read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// The number of the last segment a playlist lists.
fn last_segment(playlist: &str) -> u64 {
    playlist
        .lines()
        .filter_map(|l| l.split(".ts").next().filter(|_| l.contains(".ts")))
        .filter_map(|n| n.parse().ok())
        .max()
        .unwrap_or(0)
}

fn metric(server: &Server, name: &str) -> Option<u64> {
    let (_, text) = get(&format!("http://{}/metrics", server.http));
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn each_stage_plays_from_its_own_replica_and_its_connections_keep_viewers_counted() {
    let cluster = Cluster::new("stages_play");
    let a = cluster.start("node-a", "127.0.0.2", SHORT);
    let b = cluster.start("node-b", "127.0.0.3", SHORT);
    let host = api::register(a.http, "host");
    let (status, room) = api::call(
        a.http,
        "POST",
        "/api/v1/rooms",
        Some(&host),
        &json!({"name": "private", "password": "open sesame"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let playlist = format!("/api/v1/rooms/{room}/playlist");
    let (status, added) = api::call(
        a.http,
        "POST",
        &playlist,
        Some(&host),
        &json!({"live": true}),
    );
    assert!(status == 200 || status == 201, "{added}");
    let item = added["item"]["id"].as_u64().expect("the live item's id");
    let current = json!({"item_id": item, "request_id": "live-1"});
    let (status, body) = api::call(
        a.http,
        "PUT",
        &format!("{playlist}/current"),
        Some(&host),
        &current,
    );
    assert_eq!(status, 200, "{body}");
    let (_, url) = api::call(
        a.http,
        "GET",
        &format!("/api/v1/rooms/{room}/live/publish-url"),
        Some(&host),
        &Value::Null,
    );
    let _streamer = publish(&a.publish_url(url["key"].as_str().unwrap()), 90, &[]);
    assert!(a.wait_for_log(&["publish started", &room], WAIT));

    // A member joins over B's WebSocket and sends heartbeats from now on.
    let fan = api::register(b.http, "fan");
    let mut socket = RoomSocket::connect(b.http, &room, &fan);
    socket.send(&json!({"type": "join", "password": "open sesame"}));
    assert!(
        socket.wait_for(WAIT, |m| m["type"] == "welcome").is_some(),
        "fan joined"
    );

    // The host is seated on A's stage, the fan on a new stage on B; each
    // token names its stage's replica.
    let watch = format!("/api/v1/rooms/{room}/live/watch");
    let (status, host_seat) = api::call(a.http, "POST", &watch, Some(&host), &Value::Null);
    assert_eq!(status, 200, "{host_seat}");
    // A's segmenter is a few segments in before the fan comes (then B's
    // pull, and B's own segmenter, start).
    let host_hls = host_seat["hls"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + WAIT;
    while last_segment(&get(&host_hls).1) < 3 {
        assert!(Instant::now() < deadline, "A's HLS has 4 segments");
        let beat = format!("/api/v1/rooms/{room}/live/heartbeat");
        let (status, body) = api::call(a.http, "POST", &beat, Some(&host), &Value::Null);
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (status, fan_seat) = api::call(b.http, "POST", &watch, Some(&fan), &Value::Null);
    assert_eq!(status, 200, "{fan_seat}");
    assert_eq!(host_seat["stage"]["node"], "node-a");
    assert_eq!(fan_seat["stage"]["node"], "node-b");
    let fan_flv = fan_seat["flv"].as_str().unwrap().to_owned();
    let fan_hls = fan_seat["hls"].as_str().unwrap().to_owned();
    assert!(fan_flv.contains(&b.http.to_string()), "{fan_flv}");

    // The fan's token is refused on A, for FLV and HLS alike.
    let (a_http, b_http) = (a.http.to_string(), b.http.to_string());
    for url in [&fan_flv, &fan_hls] {
        let (status, body) = get(&url.replace(&b_http, &a_http));
        assert_eq!(status, 403, "{url}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "wrong_stage", "{body}");
    }

    // The host plays FLV from A for 8 s and sends nothing else; the fan
    // only keeps its room socket. Both stay counted past the expiry (3 s).
    let host_flv = host_seat["flv"].as_str().unwrap().to_owned();
    let player = std::thread::spawn(move || decode(&host_flv, 8));
    let counted_until = Instant::now() + Duration::from_secs(7);
    while Instant::now() < counted_until {
        socket.send(&json!({"type": "heartbeat"}));
        std::thread::sleep(Duration::from_millis(500));
    }
    let counts = viewers(&b, &room, &host);
    assert_eq!(
        counts,
        [("node-a".to_owned(), 1), ("node-b".to_owned(), 1)],
        "the FLV connection and the room socket beat"
    );
    let played = player.join().unwrap();
    assert!(played.video_frames >= 100, "host's FLV: {played:?}");

    // HLS from B is B's own segmenter (its pull began later, so it lists
    // lower segment numbers than A's; a proxied playlist would be A's),
    // and plays.
    let (status, a_list) = get(&host_hls);
    assert_eq!(status, 200, "{a_list}");
    let (status, b_list) = get(&fan_hls);
    assert_eq!(status, 200, "{b_list}");
    assert!(
        last_segment(&b_list) < last_segment(&a_list),
        "B's playlist is its own:\n{b_list}\nA's:\n{a_list}"
    );
    let played = decode(&fan_hls, 4);
    assert!(
        played.video_frames >= 50 && played.audio_frames > 0,
        "B's HLS: {played:?}"
    );

    // The stage on B opened by scale-up and its pull started by itself.
    assert_eq!(metric(&b, "synctv_stage_auto_replications_total"), Some(1));
    assert_eq!(metric(&a, "synctv_stage_auto_replications_total"), Some(0));
    assert_eq!(metric(&b, "synctv_stage_replications_total"), Some(0));

    // The socket closes and the FLV ended: both expire.
    drop(socket);
    let deadline = Instant::now() + WAIT;
    while viewers(&b, &room, &host).iter().any(|(_, n)| *n > 0) {
        assert!(Instant::now() < deadline, "viewers expired");
        std::thread::sleep(Duration::from_millis(250));
    }
}
