//! End-to-end: ffmpeg publishes over RTMP; ffprobe and ffmpeg read HTTP-FLV,
//! HLS and RTMP back from a real synctv process and decode frames.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{api, decode, probe, publish, Backend, Server, KEY, STREAM};

fn assert_h264_aac(url: &str) {
    let probe = probe(url);
    assert_eq!(probe.streams.len(), 2, "two tracks at {url}: {probe:?}");
    let video = probe.video().unwrap();
    assert_eq!(video.codec_name, "h264", "{url}");
    assert_eq!((video.width, video.height), (320, 240), "{url}");
    assert_eq!(probe.audio().unwrap().codec_name, "aac", "{url}");
}

fn assert_decodes(url: &str, seconds: u32) {
    let decoded = decode(url, seconds);
    let want = seconds as usize * 25 * 3 / 4;
    assert!(
        decoded.video_frames >= want,
        "{url}: decoded {} video frames, want >= {want}; errors: {}",
        decoded.video_frames,
        decoded.errors
    );
    assert!(decoded.audio_frames > 0, "{url}: no audio decoded");
    assert!(
        !decoded.errors.contains("rror"),
        "{url}: decoder errors: {}",
        decoded.errors
    );
}

#[test]
fn ffmpeg_publishes_and_flv_hls_and_rtmp_viewers_decode_it() {
    let server = Server::start(&[]);
    let mut publisher = publish(&server.publish_url(KEY), 40, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));

    assert_h264_aac(&server.flv_url(STREAM));
    assert_decodes(&server.flv_url(STREAM), 4);
    assert_h264_aac(&server.rtmp_play_url(STREAM));
    assert_decodes(&server.rtmp_play_url(STREAM), 4);
    // HLS needs a few segments first.
    std::thread::sleep(Duration::from_secs(4));
    assert_h264_aac(&server.hls_url(STREAM));
    assert_decodes(&server.hls_url(STREAM), 4);
    assert!(publisher.is_running(), "publisher still pushing");
}

#[test]
fn viewers_play_with_nagle_left_on() {
    let server = Server::start(&[("SYNCTV_LIVE__VIEWER_NODELAY", "false")]);
    let _publisher = publish(&server.publish_url(KEY), 30, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    assert_decodes(&server.flv_url(STREAM), 3);
    assert_decodes(&server.rtmp_play_url(STREAM), 3);
}

#[test]
fn rtmpdump_plays_what_ffmpeg_publishes() {
    let server = Server::start(&[]);
    let _publisher = publish(&server.publish_url(KEY), 30, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let dir = support::TempDir::new("rtmpdump");
    let file = dir.0.join("out.flv");
    // rtmpdump records a live stream until it ends: stop it after 6 s.
    let out = support::run(
        std::process::Command::new("rtmpdump")
            .args(["-q", "-v", "-r", &server.rtmp_play_url(STREAM), "-o"])
            .arg(&file),
        Duration::from_secs(6),
    );
    assert!(
        std::fs::metadata(&file).map_or(0, |m| m.len()) > 100_000,
        "rtmpdump recorded too little: {out:?}"
    );
    assert_h264_aac(file.to_str().unwrap());
    assert_decodes(file.to_str().unwrap(), 2);
}

#[test]
fn a_wrong_key_is_refused_with_an_rtmp_error_and_a_log_line() {
    let server = Server::start(&[]);
    let mut publisher = publish(&server.publish_url("not-the-key"), 5, &[]);
    let status = publisher
        .wait_exit(Duration::from_secs(15))
        .expect("ffmpeg gave up");
    assert!(!status.success(), "ffmpeg must fail to publish");
    assert!(server.wait_for_log(&["refused", "127.0.0.1:"], Duration::from_secs(5)));
}

#[test]
fn a_viewer_of_a_stream_nobody_publishes_gets_not_found() {
    let server = Server::start(&[("SYNCTV_LIVE__VIEWER_WAIT_SECS", "1")]);
    let mut socket = TcpStream::connect(server.http).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(socket, "GET /flv/nobody.flv HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut reply = String::new();
    socket.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 404"), "{reply}");
    assert!(reply.contains("stream_not_found"), "{reply}");
}

#[test]
fn a_viewer_who_comes_early_is_held_until_the_publisher_starts() {
    let server = Server::start(&[]);
    let url = server.flv_url(STREAM);
    let viewer = std::thread::spawn(move || decode(&url, 3));
    std::thread::sleep(Duration::from_secs(2));
    let _publisher = publish(&server.publish_url(KEY), 20, &[]);
    let decoded = viewer.join().unwrap();
    assert!(decoded.video_frames >= 50, "{decoded:?}");
}

#[test]
fn reconnecting_publisher_takes_over_its_own_stream() {
    let server = Server::start(&[]);
    let mut first = publish(&server.publish_url(KEY), 60, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let url = server.flv_url(STREAM);
    let viewer = std::thread::spawn(move || decode(&url, 8));
    std::thread::sleep(Duration::from_secs(3));
    let mut second = publish(&server.publish_url(KEY), 60, &[]);
    assert!(
        first.wait_exit(Duration::from_secs(10)).is_some(),
        "the first publisher is disconnected"
    );
    assert!(second.is_running(), "the second publisher keeps the stream");
    let decoded = viewer.join().unwrap();
    assert!(
        decoded.video_frames >= 8 * 25 * 3 / 4,
        "the viewer kept playing across the takeover: {decoded:?}"
    );
}

#[test]
fn timestamps_crossing_the_24_bit_boundary_keep_playing() {
    let server = Server::start(&[]);
    // 16770 s is 7.2 s before 0xFFFFFF ms, where RTMP needs extended timestamps.
    let _publisher = publish(
        &server.publish_url(KEY),
        30,
        &["-output_ts_offset", "16770"],
    );
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    std::thread::sleep(Duration::from_secs(2));
    for url in [server.flv_url(STREAM), server.rtmp_play_url(STREAM)] {
        let decoded = decode(&url, 10);
        assert!(
            decoded.video_frames >= 10 * 25 * 3 / 4,
            "{url}: {decoded:?}"
        );
        let last = *decoded.video_pts_ms.last().unwrap();
        assert!(
            last > 16_777_215,
            "{url}: playback crossed 0xFFFFFF ms, last pts {last}"
        );
    }
}

#[test]
fn garbage_on_the_rtmp_port_does_not_disturb_a_viewer() {
    let mut server = Server::start(&[]);
    let _publisher = publish(&server.publish_url(KEY), 40, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let url = server.flv_url(STREAM);
    let viewer = std::thread::spawn(move || decode(&url, 8));
    let attacks: Vec<Vec<u8>> = vec![
        vec![3],                                    // C0 only, then silence
        vec![3; 700],                               // truncated C1
        vec![0xff; 4096],                           // bad version
        (0..=255u8).cycle().take(20_000).collect(), // garbage after a "valid" version byte
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
    ];
    for _ in 0..5 {
        for attack in &attacks {
            if let Ok(mut socket) = TcpStream::connect(server.rtmp) {
                let _ = socket.write_all(attack);
                let _ = socket.shutdown(std::net::Shutdown::Write);
            }
        }
    }
    let decoded = viewer.join().unwrap();
    assert!(decoded.video_frames >= 8 * 25 * 3 / 4, "{decoded:?}");
    assert!(server.is_running());
}

#[test]
fn a_viewer_that_stops_reading_is_cut_off_while_another_keeps_playing() {
    let server = Server::start(&[
        ("SYNCTV_LIVE__VIEWER_WRITE_TIMEOUT_SECS", "2"),
        ("SYNCTV_LIVE__RING_BATCHES", "16"),
        ("SYNCTV_LIVE__VIEWER_SEND_BUFFER_BYTES", "32768"),
    ]);
    let _publisher = publish(&server.publish_url(KEY), 40, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let url = server.flv_url(STREAM);
    let viewer = std::thread::spawn(move || decode(&url, 10));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (received, closed) = runtime.block_on(stalled_viewer(server.http));
    assert!(
        closed,
        "the server closed the stalled viewer (read {received} bytes)"
    );
    assert!(server.wait_for_log(&["HTTP-FLV viewer left"], Duration::from_secs(5)));

    let decoded = viewer.join().unwrap();
    assert!(decoded.video_frames >= 10 * 25 * 3 / 4, "{decoded:?}");
}

/// An HTTP-FLV viewer with a tiny receive buffer that reads its response
/// head and then nothing for 8 s; then it drains what is left. Returns the
/// bytes read and whether the server had closed the connection.
async fn stalled_viewer(http: std::net::SocketAddr) -> (usize, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(http).await.unwrap();
    let request = format!("GET /flv/{STREAM}.flv HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut received = stream.read(&mut buf).await.unwrap();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let drain = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => received += n,
            }
        }
    };
    let closed = tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .unwrap_or(false);
    (received, closed)
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = Server::start(&[]);
    assert!(
        server.data_dir().join("synctv.db").exists(),
        "standalone data lives in SQLite in the data dir"
    );
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn room_members_see_their_stream_go_live_gain_viewers_and_end_on_sqlite() {
    room_members_see_their_stream_go_live_gain_viewers_and_end(Backend::Sqlite);
}

#[test]
fn room_members_see_their_stream_go_live_gain_viewers_and_end_on_postgres() {
    room_members_see_their_stream_go_live_gain_viewers_and_end(Backend::Postgres);
}

fn room_members_see_their_stream_go_live_gain_viewers_and_end(backend: Backend) {
    let server = Server::start_on(backend, &[]);
    let sqlite_file = server.data_dir().join("synctv.db");
    assert_eq!(
        sqlite_file.exists(),
        backend == Backend::Sqlite,
        "the backend asked for"
    );
    let token = api::register(server.http, "host");
    let body = serde_json::json!({"name": "live room"});
    let (status, room) = api::call(server.http, "POST", "/api/v1/rooms", Some(&token), &body);
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/rooms/{room}/live/publish-url");
    let (status, publish_url) = api::call(
        server.http,
        "GET",
        &path,
        Some(&token),
        &serde_json::Value::Null,
    );
    assert_eq!(status, 200, "{publish_url}");
    let url = publish_url["url"].as_str().unwrap();
    assert!(
        url.ends_with(&format!(
            ":{}/live/{}",
            server.rtmp.port(),
            publish_url["key"].as_str().unwrap()
        )),
        "{url}"
    );

    let mut member = api::RoomSocket::connect(server.http, &room, &token);
    member.send(&serde_json::json!({"type": "join", "last_seq": null, "password": ""}));
    let welcome = member
        .wait_for(Duration::from_secs(10), |m| m["type"] == "welcome")
        .unwrap();
    assert_eq!(welcome["live"]["live"], false);

    let mut publisher = publish(
        &server.publish_url(url.rsplit('/').next().unwrap()),
        30,
        &[],
    );
    let started = member.wait_for(Duration::from_secs(20), |m| m["type"] == "live_status");
    assert_eq!(started.unwrap()["live"], true);

    let mut viewer = TcpStream::connect(server.http).unwrap();
    write!(viewer, "GET /flv/{room}.flv HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut head = [0u8; 512];
    viewer.read_exact(&mut head).unwrap();
    let counted = member.wait_for(Duration::from_secs(10), |m| {
        m["type"] == "viewer_count" && m["viewers"] == 1
    });
    assert!(counted.is_some(), "the room is told how many watch");
    let none = serde_json::Value::Null;
    let (_, got) = api::call(
        server.http,
        "GET",
        &format!("/api/v1/rooms/{room}"),
        None,
        &none,
    );
    assert_eq!(got["live_viewers"], 1, "{got}");
    let (_, listed) = api::call(server.http, "GET", "/api/v1/rooms", None, &none);
    let listed = listed.to_string();
    assert!(listed.contains(r#""live_viewers":1"#), "{listed}");

    drop(viewer);
    let _ = publisher.0.kill();
    let ended = member.wait_for(Duration::from_secs(20), |m| m["type"] == "live_status");
    assert_eq!(ended.unwrap()["live"], false);
}

#[test]
fn the_stream_of_a_room_with_a_password_plays_only_with_a_play_token_on_sqlite() {
    the_stream_of_a_room_with_a_password_plays_only_with_a_play_token(Backend::Sqlite);
}

#[test]
fn the_stream_of_a_room_with_a_password_plays_only_with_a_play_token_on_postgres() {
    the_stream_of_a_room_with_a_password_plays_only_with_a_play_token(Backend::Postgres);
}

fn the_stream_of_a_room_with_a_password_plays_only_with_a_play_token(backend: Backend) {
    let server = Server::start_on(backend, &[]);
    let token = api::register(server.http, "host");
    let body = serde_json::json!({"name": "private", "password": "sesame"});
    let (status, room) = api::call(server.http, "POST", "/api/v1/rooms", Some(&token), &body);
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let none = serde_json::Value::Null;
    let path = format!("/api/v1/rooms/{room}/live/publish-url");
    let (_, publish_url) = api::call(server.http, "GET", &path, Some(&token), &none);
    let key = publish_url["key"].as_str().unwrap();
    let _publisher = publish(&server.publish_url(key), 40, &[]);
    assert!(server.wait_for_log(&["publish", &room], Duration::from_secs(15)));

    let mut viewer = TcpStream::connect(server.http).unwrap();
    write!(viewer, "GET /flv/{room}.flv HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut answer = String::new();
    viewer.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("play_token_required"), "{answer}");

    let path = format!("/api/v1/rooms/{room}/live/play-url");
    let (status, urls) = api::call(server.http, "GET", &path, Some(&token), &none);
    assert_eq!(status, 200, "{urls}");
    let flv = urls["flv"].as_str().unwrap();
    assert!(flv.contains("?token="), "{flv}");
    assert_h264_aac(flv);
    assert_h264_aac(urls["rtmp"].as_str().unwrap());
    let forged = flv.replace("?token=", "?token=1");
    assert!(
        probe(&forged).streams.is_empty(),
        "a forged token plays nothing"
    );

    std::thread::sleep(Duration::from_secs(4));
    let hls = urls["hls"].as_str().unwrap();
    assert_h264_aac(hls);
    let bare = format!("/hls/{room}/index.m3u8");
    let (status, body) = api::call(server.http, "GET", &bare, None, &none);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("play_token_required"))
    );
}
