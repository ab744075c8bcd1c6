//! Live streams across replicas, with real processes: three synctv
//! replicas on 127.0.0.2/3/4 sharing a fresh PostgreSQL database and a
//! fresh Redis key prefix, ffmpeg publishing, ffmpeg decoding FLV, RTMP
//! and HLS from the replicas that do not own the stream. The tests run
//! one at a time (each starts three servers and encoders).

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::replica::{kill9, Cluster};
use support::watch::Watcher;
use support::{api, decode, publish, run, Server, KEY, STREAM};

const WAIT: Duration = Duration::from_secs(20);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn three_replicas(cluster: &Cluster) -> (Server, Server, Server) {
    let a = cluster.start("node-a", "127.0.0.2", &[]);
    let b = cluster.start("node-b", "127.0.0.3", &[]);
    let c = cluster.start("node-c", "127.0.0.4", &[]);
    (a, b, c)
}

/// GETs an HLS path; the status and the error code, if any.
fn hls_get(server: &Server, path: &str) -> (u16, Option<String>) {
    let (status, body) = api::call(server.http, "GET", path, None, &Value::Null);
    let code = body["error"]["code"].as_str().map(str::to_owned);
    (status, code)
}

/// Waits until `server` answers 200 for the stream's playlist.
fn wait_for_playlist(server: &Server) -> bool {
    let path = format!("/hls/{STREAM}/index.m3u8");
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if hls_get(server, &path).0 == 200 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}

#[test]
fn a_stream_published_on_one_replica_plays_as_flv_rtmp_and_hls_on_the_others() {
    let _serial = serial();
    let cluster = Cluster::new("plays");
    let (a, b, c) = three_replicas(&cluster);
    let mut publisher = publish(&a.publish_url(KEY), 40, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );

    let flv = decode(&b.flv_url(STREAM), 3);
    assert!(
        flv.video_frames >= 25 && flv.audio_frames > 0,
        "FLV on B: {flv:?}"
    );
    assert!(b.wait_for_log(&["pulling from the owner", "node-a"], WAIT));
    let rtmp = decode(&c.rtmp_play_url(STREAM), 3);
    assert!(
        rtmp.video_frames >= 25 && rtmp.audio_frames > 0,
        "RTMP on C: {rtmp:?}"
    );

    // Two more viewers on B join the pull B already runs.
    let more = [
        Watcher::start(&b.flv_url(STREAM), 3),
        Watcher::start(&b.rtmp_play_url(STREAM), 3),
    ];
    let now = Instant::now();
    for viewer in &more {
        assert!(
            viewer.wait_frames_after(now, 25, WAIT),
            "a second viewer on B"
        );
    }
    assert_eq!(
        b.log_count(&["pulling from the owner"]),
        1,
        "one pull per replica"
    );

    // HLS on a replica that pulls nothing: proxied to the owner.
    let fresh = cluster.start("node-d", "127.0.0.5", &[]);
    assert!(wait_for_playlist(&fresh), "HLS playlist through D");
    let hls = decode(&fresh.hls_url(STREAM), 2);
    assert!(
        hls.video_frames > 0 && hls.audio_frames > 0,
        "HLS on D: {hls:?}"
    );
    assert_eq!(
        fresh.log_count(&["pulling from the owner"]),
        0,
        "HLS was proxied"
    );
    assert!(publisher.is_running(), "the publisher on A was never cut");
}

#[test]
fn the_same_key_pushed_to_another_replica_takes_over_while_viewers_elsewhere_keep_playing() {
    let _serial = serial();
    let cluster = Cluster::new("takeover");
    let (a, b, c) = three_replicas(&cluster);
    let mut first = publish(&a.publish_url(KEY), 60, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let flv = Watcher::start(&c.flv_url(STREAM), 60);
    let rtmp = Watcher::start(&c.rtmp_play_url(STREAM), 60);
    let on_a = Watcher::start(&a.flv_url(STREAM), 60);
    let start = Instant::now();
    assert!(
        flv.wait_frames_after(start, 25, WAIT),
        "FLV viewer on C plays"
    );
    assert!(
        rtmp.wait_frames_after(start, 25, WAIT),
        "RTMP viewer on C plays"
    );
    assert!(
        on_a.wait_frames_after(start, 25, WAIT),
        "FLV viewer on A plays"
    );

    let mut second = publish(&b.publish_url(KEY), 60, &[]);
    assert!(
        b.wait_for_log(&["publish started"], WAIT),
        "B took the publish"
    );
    assert!(
        first.wait_exit(Duration::from_secs(10)).is_some(),
        "the publisher on A was cut"
    );
    assert!(a.wait_for_log(&["stream lost to another replica"], WAIT));
    assert!(
        c.wait_for_log(&["pulling from the owner", "node-b"], WAIT),
        "C follows the new owner"
    );
    let after = Instant::now();
    let viewers = [
        (&flv, "FLV on C"),
        (&rtmp, "RTMP on C"),
        (&on_a, "FLV on A"),
    ];
    for (viewer, what) in viewers {
        assert!(
            viewer.wait_frames_after(after, 75, WAIT),
            "{what} kept playing after the takeover ({} frames)",
            viewer.frames()
        );
    }
    let (mut flv, mut rtmp, mut on_a) = (flv, rtmp, on_a);
    assert!(
        flv.peer.is_running() && rtmp.peer.is_running(),
        "still connected"
    );
    assert!(
        on_a.peer.is_running(),
        "the viewer on the old owner is still connected"
    );
    assert!(second.is_running(), "the new publisher goes on");
}

#[test]
fn killing_the_owner_ends_its_stream_everywhere_and_a_re_push_elsewhere_is_accepted() {
    let _serial = serial();
    let cluster = Cluster::new("death");
    let (mut a, b, c) = three_replicas(&cluster);
    let _publisher = publish(&a.publish_url(KEY), 60, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let mut flv = Watcher::start(&b.flv_url(STREAM), 60);
    let mut rtmp = Watcher::start(&c.rtmp_play_url(STREAM), 60);
    let start = Instant::now();
    assert!(
        flv.wait_frames_after(start, 25, WAIT),
        "FLV viewer on B plays"
    );
    assert!(
        rtmp.wait_frames_after(start, 25, WAIT),
        "RTMP viewer on C plays"
    );
    assert!(wait_for_playlist(&c), "HLS on C");

    kill9(&mut a);
    let bound = Duration::from_secs(15);
    assert!(
        flv.peer.wait_exit(bound).is_some(),
        "FLV viewer on B closed"
    );
    assert!(
        rtmp.peer.wait_exit(bound).is_some(),
        "RTMP viewer on C closed"
    );
    let path = format!("/hls/{STREAM}/index.m3u8");
    let deadline = Instant::now() + bound;
    let mut last = (0, None);
    while Instant::now() < deadline {
        last = hls_get(&c, &path);
        if last == (404, Some("stream_ended".to_owned())) {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(last, (404, Some("stream_ended".to_owned())), "HLS on C");

    let mut again = publish(&b.publish_url(KEY), 30, &[]);
    assert!(
        b.wait_for_log(&["publish started"], WAIT),
        "B took the re-push"
    );
    let flv = decode(&c.flv_url(STREAM), 2);
    assert!(
        flv.video_frames > 0,
        "the re-pushed stream plays on C: {flv:?}"
    );
    assert!(again.is_running());
}

#[test]
fn a_pull_without_a_valid_relay_token_is_refused() {
    let _serial = serial();
    let cluster = Cluster::new("forged");
    let a = cluster.start("node-a", "127.0.0.2", &[]);
    let _publisher = publish(&a.publish_url(KEY), 30, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let open = decode(&a.rtmp_play_url(STREAM), 1);
    assert!(open.video_frames > 0, "a plain viewer plays: {open:?}");
    let forged = "relay_node=node-x&relay_exp=4102444800&relay_sig=00ff&synctv_relay=1";
    for query in ["synctv_relay=1", forged] {
        let url = format!("{}?{query}", a.rtmp_play_url(STREAM));
        let out = run(
            std::process::Command::new("ffprobe").args([
                "-v",
                "error",
                "-rw_timeout",
                "10000000",
                &url,
            ]),
            Duration::from_secs(30),
        );
        assert!(!out.status.success(), "{query}: the relay play was refused");
    }
    assert!(a.wait_for_log(&["relay play refused: bad relay token"], WAIT));
}

#[test]
fn a_private_rooms_play_token_plays_on_every_replica_and_pulls_need_none() {
    let _serial = serial();
    let cluster = Cluster::new("private");
    let (a, b, c) = three_replicas(&cluster);
    let token = api::register(a.http, "host");
    let body = serde_json::json!({"name": "private", "password": "sesame"});
    let (status, room) = api::call(a.http, "POST", "/api/v1/rooms", Some(&token), &body);
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/api/v1/rooms/{room}/live/publish-url");
    let (_, publish_url) = api::call(a.http, "GET", &path, Some(&token), &Value::Null);
    let key = publish_url["key"].as_str().unwrap_or_default().to_owned();
    let _publisher = publish(&a.publish_url(&key), 40, &[]);
    assert!(
        a.wait_for_log(&["publish started", &room], WAIT),
        "A took the publish"
    );

    // The play URLs as replica B hands them out, token signed there.
    let path = format!("/api/v1/rooms/{room}/live/play-url");
    let (status, urls) = api::call(b.http, "GET", &path, Some(&token), &Value::Null);
    assert_eq!(status, 200, "{urls}");
    let flv = urls["flv"].as_str().unwrap_or_default().to_owned();
    assert!(
        flv.contains(&b.http.to_string()) && flv.contains("?token="),
        "{flv}"
    );
    let played = decode(&flv, 2);
    assert!(played.video_frames > 0, "FLV with a token on B: {played:?}");
    let bare = decode(&b.flv_url(&room), 1);
    assert_eq!(
        bare.video_frames, 0,
        "FLV without a token on B plays nothing"
    );

    // HLS through C: C checks the viewer's token, the owner trusts C.
    let query = flv
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    let hls = format!("/hls/{room}/index.m3u8?{query}");
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline && hls_get(&c, &hls).0 != 200 {
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(hls_get(&c, &hls).0, 200, "HLS with a token on C");
    let bare = format!("/hls/{room}/index.m3u8");
    assert_eq!(
        hls_get(&c, &bare),
        (403, Some("play_token_required".to_owned())),
        "HLS without a token on C"
    );
}

#[test]
fn a_pull_stops_once_its_replica_has_had_no_viewer_for_the_idle_grace() {
    let _serial = serial();
    let cluster = Cluster::new("idle");
    let a = cluster.start("node-a", "127.0.0.2", &[]);
    let b = cluster.start(
        "node-b",
        "127.0.0.3",
        &[("SYNCTV_CLUSTER__PULL_IDLE_SECS", "2")],
    );
    let mut publisher = publish(&a.publish_url(KEY), 40, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let flv = decode(&b.flv_url(STREAM), 2);
    assert!(flv.video_frames > 0, "FLV on B: {flv:?}");
    assert!(b.wait_for_log(&["pulling from the owner"], WAIT));
    assert!(
        b.wait_for_log(&["no local viewer: pull stopped"], WAIT),
        "B stopped its idle pull"
    );
    assert!(publisher.is_running(), "the owner's stream goes on");
    let again = decode(&b.flv_url(STREAM), 1);
    assert!(
        again.video_frames > 0,
        "a new viewer starts a new pull: {again:?}"
    );
    assert_eq!(b.log_count(&["pulling from the owner"]), 2);
}

#[test]
fn a_viewer_who_comes_before_the_publisher_is_held_until_it_starts_on_another_replica() {
    let _serial = serial();
    let cluster = Cluster::new("early");
    let a = cluster.start("node-a", "127.0.0.2", &[]);
    let b = cluster.start("node-b", "127.0.0.3", &[]);
    let viewer = Watcher::start(&b.flv_url(STREAM), 3);
    // Let the viewer reach B and wait there before anyone publishes.
    std::thread::sleep(Duration::from_secs(1));
    let _publisher = publish(&a.publish_url(KEY), 20, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let start = Instant::now();
    assert!(
        viewer.wait_frames_after(start, 25, WAIT),
        "the early viewer on B was served once A had the publisher"
    );
}

#[test]
fn a_publisher_reconnecting_to_the_same_replica_takes_over_and_keeps_its_claim() {
    let _serial = serial();
    let cluster = Cluster::new("reconnect");
    let a = cluster.start("node-a", "127.0.0.2", &[]);
    let b = cluster.start("node-b", "127.0.0.3", &[]);
    let mut first = publish(&a.publish_url(KEY), 60, &[]);
    assert!(
        a.wait_for_log(&["publish started"], WAIT),
        "A took the publish"
    );
    let viewer = Watcher::start(&b.flv_url(STREAM), 60);
    assert!(
        viewer.wait_frames_after(Instant::now(), 25, WAIT),
        "viewer on B plays"
    );

    let mut second = publish(&a.publish_url(KEY), 60, &[]);
    assert!(
        first.wait_exit(Duration::from_secs(10)).is_some(),
        "the first publisher was cut"
    );
    let after = Instant::now();
    assert!(
        viewer.wait_frames_after(after, 50, WAIT),
        "the viewer on B kept playing"
    );
    assert!(second.is_running(), "the new connection publishes on");
    assert_eq!(a.log_count(&["stream lost to another replica"]), 0);
    assert_eq!(
        b.log_count(&["pulling from the owner"]),
        1,
        "B never had to switch"
    );
}
