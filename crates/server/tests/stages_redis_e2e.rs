//! Stages through a Redis restart, with real processes: two replicas on
//! 127.0.0.2/3 sharing a private `redis-server` (started here on a free
//! port, never the machine's) and a fresh PostgreSQL database; ffmpeg
//! publishes, viewers beat over HTTP, and Redis comes back empty.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/member.rs"]
mod member;
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use member::OwnRedis;
use serde_json::{json, Value};
use support::replica::Cluster;
use support::{api, decode, publish, Server};

const WAIT: Duration = Duration::from_secs(30);

const SHORT: &[(&str, &str)] = &[
    ("SYNCTV_LIVE__STAGE_CAPACITY", "3"),
    ("SYNCTV_LIVE__STAGE_IDLE_SECS", "60"),
    ("SYNCTV_LIVE__VIEWER_EXPIRY_SECS", "8"),
    ("SYNCTV_LIVE__STAGE_TICK_SECS", "0.5"),
    ("SYNCTV_LIVE__VIEWER_SNAPSHOT_SECS", "1"),
    ("SYNCTV_LIVE__WATCH_BATCH_SECS", "1"),
];

/// Viewers per stage id, as the stage list reports them; `None` while the
/// replica cannot answer (Redis down).
fn counts(server: &Server, room: &str, token: &str) -> Option<BTreeMap<String, u64>> {
    let path = format!("/api/v1/rooms/{room}/live/stages");
    let (status, body) = api::call(server.http, "GET", &path, Some(token), &Value::Null);
    if status != 200 {
        return None;
    }
    let stages = body["stages"].as_array()?;
    Some(
        stages
            .iter()
            .map(|s| {
                let id = s["id"].as_str().unwrap_or_default().to_owned();
                (id, s["viewers"].as_u64().unwrap_or(0))
            })
            .collect(),
    )
}

/// Polls the stage counts until `wanted` holds; the last seen otherwise.
fn wait_counts(
    server: &Server,
    room: &str,
    token: &str,
    wanted: impl Fn(&BTreeMap<String, u64>) -> bool,
) -> Result<BTreeMap<String, u64>, Option<BTreeMap<String, u64>>> {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    while Instant::now() < deadline {
        last = counts(server, room, token);
        if last.as_ref().is_some_and(&wanted) {
            return Ok(last.unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}

/// Beats for every viewer twice a second while `on`; a viewer whose seat
/// is gone watches again with its id, as a player would.
fn beat_forever(
    http: std::net::SocketAddr,
    room: String,
    viewers: Vec<String>,
    on: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let beat = format!("/api/v1/rooms/{room}/live/heartbeat");
        let watch = format!("/api/v1/rooms/{room}/live/watch");
        while !done.load(Ordering::SeqCst) {
            for viewer in viewers.iter().filter(|_| on.load(Ordering::SeqCst)) {
                let body = json!({ "viewer": viewer });
                let (status, _) = api::call(http, "POST", &beat, None, &body);
                if status == 404 {
                    api::call(http, "POST", &watch, None, &body);
                }
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })
}

fn key_exists(redis: &OwnRedis, key: &str) -> bool {
    let out = Command::new("redis-cli")
        .args(["-p", &redis.port.to_string(), "EXISTS", key])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim() == "1"
}

#[test]
fn counts_come_back_from_the_latest_snapshot_when_redis_restarts_empty() {
    let mut redis = OwnRedis::start();
    let url = redis.url();
    let mut env = SHORT.to_vec();
    env.push(("SYNCTV_REDIS_URL", url.as_str()));
    let cluster = Cluster::new("stages_redis");
    let mut a = cluster.start("node-a", "127.0.0.2", &env);
    let mut b = cluster.start("node-b", "127.0.0.3", &env);
    let token = api::register(a.http, "host");
    let (status, room) = api::call(
        a.http,
        "POST",
        "/api/v1/rooms",
        Some(&token),
        &json!({"name": "restart"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let (_, url) = api::call(
        a.http,
        "GET",
        &format!("/api/v1/rooms/{room}/live/publish-url"),
        Some(&token),
        &Value::Null,
    );
    let key = url["key"].as_str().unwrap().to_owned();
    let _streamer = publish(&a.publish_url(&key), 90, &[]);
    assert!(a.wait_for_log(&["publish started", &room], WAIT));

    // Five viewers: three on the owner's stage (A), two on a stage on B.
    let mut viewers = Vec::new();
    let mut b_flv = None;
    for n in 0..5 {
        let path = format!("/api/v1/rooms/{room}/live/watch");
        let server = if n % 2 == 0 { &a } else { &b };
        let (status, seat) = api::call(server.http, "POST", &path, None, &Value::Null);
        assert_eq!(status, 200, "{seat}");
        viewers.push(seat["viewer"].as_str().unwrap().to_owned());
        if seat["stage"]["node"] == "node-b" {
            b_flv = Some(seat["flv"].as_str().unwrap().to_owned());
        }
    }
    let b_flv = b_flv.expect("a stage on B");
    let (on, done) = (
        Arc::new(AtomicBool::new(true)),
        Arc::new(AtomicBool::new(false)),
    );
    let beater = beat_forever(b.http, room.clone(), viewers, on.clone(), done.clone());
    let before = wait_counts(&b, &room, &token, |c| c.values().copied().eq([3, 2]));
    let before = before.unwrap_or_else(|last| panic!("3 + 2 viewers counted: {last:?}"));

    // The latest snapshot in SQL holds those counts.
    let latest = format!(
        "SELECT string_agg(viewers::text, ',' ORDER BY stage) FROM viewer_snapshots s \
         WHERE room_id = '{room}' AND taken_at_ms = (SELECT MAX(taken_at_ms) \
         FROM viewer_snapshots t WHERE t.room_id = s.room_id AND t.stage = s.stage)"
    );
    let deadline = Instant::now() + WAIT;
    while cluster.sql(&latest) != "3,2" {
        assert!(Instant::now() < deadline, "snapshot of 3 + 2 stored");
        std::thread::sleep(Duration::from_millis(200));
    }

    // Nobody beats; Redis comes back empty. The counts are the snapshot's.
    on.store(false, Ordering::SeqCst);
    redis.restart();
    let restored = wait_counts(&b, &room, &token, |c| *c == before);
    assert!(restored.is_ok(), "counts from the snapshot: {restored:?}");
    let floor = format!("{}stages:{room}:floor", cluster.prefix);
    assert!(
        key_exists(&redis, &floor),
        "the counts are a restored floor"
    );
    assert!(
        a.wait_for_log(&["stage state was lost", &room], WAIT)
            || b.wait_for_log(&["stage state was lost", &room], WAIT),
        "a replica put the stages back"
    );

    // Heartbeats resume (a lost seat watches again): once the floor has
    // expired, the five viewers are counted from their beats alone.
    on.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + WAIT;
    while key_exists(&redis, &floor) {
        assert!(Instant::now() < deadline, "the floor expires");
        std::thread::sleep(Duration::from_millis(200));
    }
    let refilled = wait_counts(&b, &room, &token, |c| c.values().sum::<u64>() == 5);
    assert!(
        refilled.is_ok(),
        "heartbeats refill the counts: {refilled:?}"
    );

    // The stages kept serving, and nothing fell over.
    let played = decode(&b_flv, 2);
    assert!(
        played.video_frames >= 20 && played.audio_frames > 0,
        "B's stage plays after the restart: {played:?}"
    );
    done.store(true, Ordering::SeqCst);
    beater.join().unwrap();
    assert!(a.is_running() && b.is_running(), "no replica exited");
    for server in [&a, &b] {
        assert_eq!(server.log_count(&["panicked"]), 0);
    }
}
