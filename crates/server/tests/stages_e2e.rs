//! Stages with real processes: three replicas on 127.0.0.2/3/4 with a
//! stage capacity of 5, a fresh PostgreSQL database and Redis prefix,
//! ffmpeg publishing and ffmpeg decoding each stage's FLV from its replica.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::replica::Cluster;
use support::{api, decode, publish, Server};

const WAIT: Duration = Duration::from_secs(30);

const SHORT: &[(&str, &str)] = &[
    ("SYNCTV_LIVE__STAGE_CAPACITY", "5"),
    ("SYNCTV_LIVE__STAGE_IDLE_SECS", "3"),
    ("SYNCTV_LIVE__VIEWER_EXPIRY_SECS", "3"),
    ("SYNCTV_LIVE__STAGE_TICK_SECS", "0.5"),
    ("SYNCTV_LIVE__VIEWER_SNAPSHOT_SECS", "1"),
    ("SYNCTV_LIVE__WATCH_BATCH_SECS", "1"),
];

fn stages_of(server: &Server, room: &str, token: &str) -> Vec<Value> {
    let path = format!("/api/v1/rooms/{room}/live/stages");
    let (status, body) = api::call(server.http, "GET", &path, Some(token), &Value::Null);
    assert_eq!(status, 200, "{body}");
    body["stages"].as_array().cloned().unwrap_or_default()
}

/// Waits until `wanted` holds for the room's stages; the last list seen.
fn wait_stages(
    server: &Server,
    room: &str,
    token: &str,
    wanted: impl Fn(&[Value]) -> bool,
) -> Result<Vec<Value>, Vec<Value>> {
    let deadline = Instant::now() + WAIT;
    loop {
        let stages = stages_of(server, room, token);
        if wanted(&stages) {
            return Ok(stages);
        }
        if Instant::now() > deadline {
            return Err(stages);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn viewers_spread_over_stages_on_three_replicas_and_leaving_closes_them() {
    let cluster = Cluster::new("stages");
    let a = cluster.start("node-a", "127.0.0.2", SHORT);
    let b = cluster.start("node-b", "127.0.0.3", SHORT);
    let c = cluster.start("node-c", "127.0.0.4", SHORT);
    let http: HashMap<&str, String> = [("node-a", &a), ("node-b", &b), ("node-c", &c)]
        .into_iter()
        .map(|(n, s)| (n, s.http.to_string()))
        .collect();
    let token = api::register(a.http, "host");
    let (status, room) = api::call(
        a.http,
        "POST",
        "/api/v1/rooms",
        Some(&token),
        &json!({"name": "big"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();

    // Before the streamer starts: a stage opened by hand waits, and
    // replication by hand is refused.
    let path = format!("/api/v1/rooms/{room}/live/stages");
    let (status, manual) = api::call(b.http, "POST", &path, Some(&token), &Value::Null);
    assert_eq!(status, 200, "{manual}");
    assert_eq!(
        manual["node"], "node-a",
        "the least-loaded node, by id on a tie"
    );
    assert!(manual["warning"].is_string(), "{manual}");
    let stage = manual["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/rooms/{room}/live/stages/{stage}/replication");
    let (status, refused) = api::call(c.http, "POST", &path, Some(&token), &Value::Null);
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "not_publishing");
    assert_eq!(
        refused["error"]["message"],
        format!("room {room} is not publishing")
    );
    let path = format!("/api/v1/rooms/{room}/live/publisher");
    let (_, publisher) = api::call(a.http, "GET", &path, Some(&token), &Value::Null);
    assert_eq!(publisher["publishing"], false);

    // The streamer publishes on C: the stage on A replicates by itself.
    let (_, url) = api::call(
        a.http,
        "GET",
        &format!("/api/v1/rooms/{room}/live/publish-url"),
        Some(&token),
        &Value::Null,
    );
    let key = url["key"].as_str().unwrap().to_owned();
    let _streamer = publish(&c.publish_url(&key), 60, &[]);
    assert!(
        c.wait_for_log(&["publish started", &room], WAIT),
        "C took the publish"
    );
    let replicating = wait_stages(&b, &room, &token, |s| {
        s.iter().any(|s| {
            s["id"] == stage.as_str() && s["replicating"] == true && s["warning"].is_null()
        })
    });
    assert!(
        replicating.is_ok(),
        "replication began when publishing did: {replicating:?}"
    );
    let (_, publisher) = api::call(a.http, "GET", &path, Some(&token), &Value::Null);
    assert_eq!(
        (publisher["publishing"].clone(), publisher["node"].clone()),
        (json!(true), json!("node-c"))
    );

    // 14 viewers ask to watch (on any replica): 5 on the owner's stage,
    // 5 on A's, then a new stage on B takes the rest.
    let servers = [&a, &b, &c];
    let mut placed: Vec<(String, String, String, Instant)> = Vec::new();
    for n in 0..14 {
        let path = format!("/api/v1/rooms/{room}/live/watch");
        let (status, seat) = api::call(servers[n % 3].http, "POST", &path, None, &Value::Null);
        assert_eq!(status, 200, "{seat}");
        let node = seat["stage"]["node"].as_str().unwrap().to_owned();
        let flv = seat["flv"].as_str().unwrap().to_owned();
        assert!(flv.contains(&http[node.as_str()]), "{node}: {flv}");
        placed.push((
            seat["viewer"].as_str().unwrap().to_owned(),
            node,
            flv,
            Instant::now(),
        ));
    }
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, node, _, _) in &placed {
        *per_node.entry(node.as_str()).or_default() += 1;
    }
    assert_eq!(
        per_node,
        BTreeMap::from([("node-a", 5), ("node-b", 4), ("node-c", 5)])
    );
    assert!(
        placed[..5].iter().all(|p| p.1 == "node-c"),
        "the owner's stage fills first"
    );

    // Three viewers, the first of each stage, keep beating (to B, whatever
    // their stage) while each of them plays its stage's FLV from its own
    // replica (the open connection beats for it as well, never past the
    // last HTTP beat); the others stopped at once.
    let path = format!("/api/v1/rooms/{room}/live/heartbeat");
    let firsts: Vec<&(String, String, String, Instant)> = ["node-a", "node-b", "node-c"]
        .iter()
        .map(|node| placed.iter().find(|p| p.1 == *node).unwrap())
        .collect();
    let beating: Vec<String> = firsts.iter().map(|p| p.0.clone()).collect();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let (beat_path, b_http) = (path.clone(), b.http);
    let beater = std::thread::spawn(move || {
        let mut last_beat = HashMap::new();
        while stopped.try_recv().is_err() {
            for viewer in &beating {
                let (status, body) =
                    api::call(b_http, "POST", &beat_path, None, &json!({"viewer": viewer}));
                assert_eq!(status, 200, "{body}");
                last_beat.insert(viewer.clone(), Instant::now());
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        last_beat
    });
    for (_, node, flv, _) in &firsts {
        let played = decode(flv, 2);
        assert!(
            played.video_frames >= 20 && played.audio_frames > 0,
            "{node}: {played:?}"
        );
    }
    stop.send(()).unwrap();
    let last_beat = beater.join().unwrap();

    // Heartbeats stop: viewers expire, the stages without viewers close,
    // the owner's stays while it publishes.
    let closed = wait_stages(&a, &room, &token, |s| s.len() == 1 && s[0]["viewers"] == 0);
    let left = closed.unwrap_or_else(|s| panic!("stages left open: {s:?}"));
    assert_eq!(left[0]["node"], "node-c");
    assert_eq!(left[0]["viewers"], 0);
    let (status, body) = api::call(b.http, "POST", &path, None, &json!({"viewer": placed[0].0}));
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("stage_not_found")),
        "an expired viewer watches again"
    );

    // Watch sessions in SQL: one per viewer, adding up to the watching.
    let deadline = Instant::now() + WAIT;
    while cluster.sql(&format!(
        "SELECT COUNT(*) FROM watch_sessions WHERE room_id = '{room}'"
    )) != "14"
    {
        assert!(Instant::now() < deadline, "14 watch sessions stored");
        std::thread::sleep(Duration::from_millis(250));
    }
    let watched: i64 = cluster
        .sql(&format!(
            "SELECT COALESCE(SUM(watched_ms), 0) FROM watch_sessions WHERE room_id = '{room}'"
        ))
        .parse()
        .unwrap();
    let done: i64 = firsts
        .iter()
        .map(|(v, _, _, start)| last_beat[v].duration_since(*start).as_millis() as i64)
        .sum();
    assert!(
        (watched - done).abs() <= 3 * 1_000,
        "stored {watched} ms, watched {done} ms"
    );
    let snapshots = cluster.sql(&format!(
        "SELECT COUNT(*) FROM viewer_snapshots WHERE room_id = '{room}'"
    ));
    assert_ne!(snapshots, "0", "counts were snapshotted");
}
