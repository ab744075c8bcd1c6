//! End-to-end: HLS through object storage. A real S3-compatible server
//! (moto) holds the segments; ffmpeg publishes to a real synctv process,
//! whose playlist names the store's URLs, and ffmpeg plays HLS fetching the
//! segments from the store. Objects go after the grace period; with the
//! store killed, HLS keeps playing from the replica and a metric counts the
//! failed uploads. The store's secret never shows in the server's log.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use support::moto::{self, Moto};
use support::replica::Cluster;
use support::{decode, publish, Server, KEY, STREAM};

/// Distinctive enough that finding it anywhere in a log means a leak.
const SECRET: &str = "Zq7x-s3cr3t-never-logged-9fK2";

fn storage_env<'a>(
    endpoint: &'a str,
    bucket: &'a str,
    grace_secs: &'a str,
) -> [(&'a str, &'a str); 8] {
    [
        ("SYNCTV_LIVE__STORAGE__ENDPOINT", endpoint),
        ("SYNCTV_LIVE__STORAGE__BUCKET", bucket),
        ("SYNCTV_LIVE__STORAGE__REGION", "us-east-1"),
        ("SYNCTV_LIVE__STORAGE__ACCESS_KEY_ID", "synctv-test-key-id"),
        ("SYNCTV_LIVE__STORAGE__SECRET_ACCESS_KEY", SECRET),
        ("SYNCTV_LIVE__STORAGE__GRACE_SECS", grace_secs),
        ("SYNCTV_LIVE__STORAGE__RETRIES", "1"),
        ("SYNCTV_LIVE__STORAGE__TIMEOUT_SECS", "3"),
    ]
}

fn start_server(moto: &Moto, bucket: &str, grace_secs: &str) -> Server {
    let endpoint = moto.endpoint();
    Server::start(&storage_env(&endpoint, bucket, grace_secs))
}

fn bucket_name(tag: &str) -> String {
    format!("synctv-{tag}-{}", std::process::id())
}

fn playlist(server: &Server) -> Option<String> {
    let (status, body) = moto::get(&server.hls_url(STREAM))?;
    (status == 200).then(|| String::from_utf8_lossy(&body).into_owned())
}

fn segment_lines(playlist: &str) -> Vec<&str> {
    playlist
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The playlist once `holds` says yes, waiting up to `wait`.
fn wait_for_playlist(server: &Server, wait: Duration, holds: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + wait;
    let mut last = None;
    while Instant::now() < deadline {
        last = playlist(server);
        if last.as_deref().is_some_and(&holds) {
            return last.unwrap_or_default();
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("no such playlist within {wait:?}; last: {last:?}");
}

/// A counter from `/metrics`.
fn metric(server: &Server, name: &str) -> u64 {
    let (_, body) = moto::get(&format!("http://{}/metrics", server.http)).expect("metrics");
    let text = String::from_utf8_lossy(&body);
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
}

fn assert_plays(url: &str) {
    let decoded = decode(url, 4);
    assert!(
        decoded.video_frames >= 75 && decoded.audio_frames > 0,
        "{url}: decoded {} video, {} audio frames; errors: {}",
        decoded.video_frames,
        decoded.audio_frames,
        decoded.errors
    );
}

#[test]
fn hls_plays_from_the_store_and_its_objects_go_after_the_grace() {
    let moto = Moto::start();
    let bucket = bucket_name("play");
    moto.create_public_bucket(&bucket);
    let server = start_server(&moto, &bucket, "3");
    let mut publisher = publish(&server.publish_url(KEY), 16, &[]);
    let store_base = format!("{}/{bucket}/hls/{STREAM}/", moto.endpoint());

    // Every segment named by the store once the first ones are uploaded.
    let text = wait_for_playlist(&server, Duration::from_secs(30), |p| {
        let lines = segment_lines(p);
        lines.len() >= 3 && lines.iter().all(|l| l.starts_with(&store_base))
    });
    for url in segment_lines(&text) {
        let (status, body) = moto::get(url).expect("the store answers");
        assert_eq!(status, 200, "{url}");
        assert_eq!(body.first(), Some(&0x47), "{url} is MPEG-TS");
    }
    assert!(!moto.keys(&bucket, "hls/").is_empty());
    assert_plays(&server.hls_url(STREAM));
    assert!(metric(&server, "synctv_hls_object_uploads_total") >= 3);

    // The stream ends; 3 s later its objects are deleted.
    assert!(
        publisher.wait_exit(Duration::from_secs(30)).is_some(),
        "publisher ends"
    );
    let deadline = Instant::now() + Duration::from_secs(40);
    while !moto.keys(&bucket, "hls/").is_empty() {
        assert!(
            Instant::now() < deadline,
            "objects still there 40 s after the stream ended: {:?}",
            moto.keys(&bucket, "hls/")
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(metric(&server, "synctv_hls_object_deletes_total") >= 3);
    assert!(!server.log_contains(SECRET), "the secret reached the log");
}

#[test]
fn with_the_store_down_hls_plays_from_the_replica_and_failures_are_counted() {
    let mut moto = Moto::start();
    let bucket = bucket_name("down");
    moto.create_public_bucket(&bucket);
    let server = start_server(&moto, &bucket, "3600");
    let _publisher = publish(&server.publish_url(KEY), 60, &[]);
    let store_base = format!("{}/{bucket}/", moto.endpoint());
    wait_for_playlist(&server, Duration::from_secs(30), |p| {
        p.contains(&store_base)
    });
    assert_eq!(
        metric(&server, "synctv_hls_object_upload_failures_total"),
        0
    );

    moto.kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    while metric(&server, "synctv_hls_object_upload_failures_total") == 0 {
        assert!(
            Instant::now() < deadline,
            "no upload failure counted in 30 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(server.wait_for_log(
        &["segment upload to object storage failed", STREAM],
        Duration::from_secs(5)
    ));
    assert_eq!(metric(&server, "synctv_hls_object_store_up"), 0);
    let text = wait_for_playlist(&server, Duration::from_secs(5), |p| {
        !segment_lines(p).is_empty()
            && segment_lines(p)
                .iter()
                .all(|l| l.ends_with(".ts") && !l.contains("://"))
    });
    assert!(!text.contains(&moto.endpoint()), "{text}");
    assert_plays(&server.hls_url(STREAM));
    assert!(!server.log_contains(SECRET), "the secret reached the log");
}

#[test]
fn a_replica_that_does_not_own_the_stream_names_the_store_urls_too() {
    let moto = Moto::start();
    let bucket = bucket_name("cluster");
    moto.create_public_bucket(&bucket);
    let endpoint = moto.endpoint();
    let env = storage_env(&endpoint, &bucket, "3600");
    let cluster = Cluster::new("objects");
    let owner = cluster.start("objects-a", "127.0.0.2", &env);
    let other = cluster.start("objects-b", "127.0.0.3", &env);
    let _publisher = publish(&owner.publish_url(KEY), 40, &[]);
    let store_base = format!("{endpoint}/{bucket}/hls/{STREAM}/");

    // B proxies the owner's playlist, which names the store: B serves no
    // segment, players fetch them from the store.
    let text = wait_for_playlist(&other, Duration::from_secs(30), |p| {
        let lines = segment_lines(p);
        lines.len() >= 3 && lines.iter().all(|l| l.starts_with(&store_base))
    });
    let (status, _) = moto::get(segment_lines(&text)[0]).expect("the store answers");
    assert_eq!(status, 200);
    assert_plays(&other.hls_url(STREAM));
    assert_eq!(
        metric(&other, "synctv_hls_object_uploads_total"),
        0,
        "B uploads nothing"
    );
    assert!(!other.log_contains(SECRET) && !owner.log_contains(SECRET));
}
