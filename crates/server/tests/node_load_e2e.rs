//! The node's load as the admin sees it, end to end: a standalone synctv
//! lists itself in `GET /api/v1/admin/nodes`, and its load counts what
//! really connects — an ffmpeg publisher, an HTTP-FLV viewer, an ffmpeg RTMP
//! player, an HLS client and a room member on a WebSocket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{api, publish, Peer, Server, KEY, STREAM};

/// Polls the admin's node list until `wanted` holds for the only node;
/// fails with the last list after `limit` (the load is refreshed every 5 s).
fn wait_for_load(
    server: &Server,
    admin: &str,
    limit: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let (status, nodes) = api::call(
            server.http,
            "GET",
            "/api/v1/admin/nodes",
            Some(admin),
            &Value::Null,
        );
        assert_eq!(status, 200, "{nodes}");
        let list = nodes.as_array().cloned().unwrap_or_default();
        if list.len() == 1 && wanted(&list[0]["load"]) {
            return list[0].clone();
        }
        assert!(Instant::now() < deadline, "load never matched: {nodes}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// An HTTP-FLV viewer that has received its first bytes and stays open.
fn flv_viewer(server: &Server) -> TcpStream {
    let mut socket = TcpStream::connect(server.http).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /flv/{STREAM}.flv HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.http
    );
    socket.write_all(request.as_bytes()).unwrap();
    let mut first = [0u8; 64];
    let n = socket.read(&mut first).unwrap();
    assert!(
        first[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&first[..n])
    );
    socket
}

fn rtmp_player(server: &Server) -> Peer {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-i"])
        .arg(server.rtmp_play_url(STREAM))
        .args(["-t", "30", "-f", "null", "-"]);
    Peer(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg"),
    )
}

/// Fetches the HLS playlist until it exists (the first segment is cut).
fn fetch_playlist(server: &Server) {
    let path = format!("/hls/{STREAM}/index.m3u8");
    let deadline = Instant::now() + Duration::from_secs(20);
    while api::call(server.http, "GET", &path, None, &Value::Null).0 != 200 {
        assert!(Instant::now() < deadline, "no HLS playlist for {STREAM}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_standalone_node_lists_itself_with_what_really_connects() {
    let server = Server::start(&[("SYNCTV_CLUSTER__NODE_ID", "solo-node")]);
    let admin = api::register(server.http, "ada");
    let idle = wait_for_load(&server, &admin, Duration::from_secs(15), |_| true);
    assert_eq!(idle["id"], "solo-node");
    assert_eq!(idle["load"]["flv_viewers"], 0);

    let (status, room) = api::call(
        server.http,
        "POST",
        "/api/v1/rooms",
        Some(&admin),
        &json!({"name": "r"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let mut member = api::RoomSocket::connect(server.http, &room, &admin);
    member.send(&json!({"type": "join", "last_seq": null, "password": ""}));
    assert!(member
        .wait_for(Duration::from_secs(10), |m| m["type"] == "welcome")
        .is_some());

    let _publisher = publish(&server.publish_url(KEY), 40, &[]);
    fetch_playlist(&server);
    let _flv = flv_viewer(&server);
    let _rtmp = rtmp_player(&server);

    let busy = wait_for_load(&server, &admin, Duration::from_secs(30), |load| {
        load["streams"] == 1
            && load["flv_viewers"] == 1
            && load["rtmp_viewers"] == 1
            && load["hls_viewers"] == 1
            && load["room_members"] == 1
    });
    assert_eq!(busy["load"]["pulls"], 0);

    drop(_flv);
    drop(member);
    wait_for_load(&server, &admin, Duration::from_secs(30), |load| {
        load["flv_viewers"] == 0 && load["room_members"] == 0 && load["rtmp_viewers"] == 1
    });
}
