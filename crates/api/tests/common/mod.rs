//! Shared by the API tests: the router over a real store, on SQLite or on
//! the real PostgreSQL at 127.0.0.1:5432 (a database per test, dropped after).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use live::{Live, LiveConfig, StaticKeys};
use serde_json::Value;
use tower::ServiceExt;

pub use store::Store;

pub mod caller;
pub mod realtime;
pub mod redis;

/// `{prefix}{sep}{tag}{sep}{pid}{sep}{n}`, unique within this test run.
fn unique_name(prefix: &str, tag: &str, sep: char) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}{sep}{tag}{sep}{}{sep}{n}", std::process::id())
}

/// A PostgreSQL database that is dropped with this value.
pub struct PgDatabase(String);

impl PgDatabase {
    pub fn create(tag: &str) -> PgDatabase {
        let name = unique_name("synctv_api", tag, '_');
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase(name)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.0)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
    }
}

/// A data directory under the system's temporary directory, removed with
/// this value: the SQLite half of a test opens the server's default store
/// in it (the WAL file with a pool of connections).
pub struct DataDir(PathBuf);

impl DataDir {
    pub fn create(tag: &str) -> DataDir {
        let dir = std::env::temp_dir().join(unique_name("synctv-api", tag, '-'));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        DataDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn psql(sql: &str) {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .output()
        .expect("psql must be installed (scripts/test.sh installs PostgreSQL)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `test` once on SQLite and once on PostgreSQL. SQLite is opened as
/// the server opens it by default: the file in a data directory, in WAL
/// mode, through a pool; the directory lives until the test ends.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $test:ident) => {
        mod $name {
            use super::*;
            use $crate::common::{DataDir, PgDatabase, Store};

            #[tokio::test]
            async fn sqlite() {
                let dir = DataDir::create(stringify!($name));
                let store = Store::open(None, dir.path()).await.unwrap();
                $test(store.clone()).await;
                store.close().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = PgDatabase::create(stringify!($name));
                let store = Store::open(Some(&db.url()), std::path::Path::new("."))
                    .await
                    .unwrap();
                $test(store.clone()).await;
                store.close().await;
            }
        }
    };
}

pub fn app(store: Store) -> axum::Router {
    app_with_rooms(store, rooms::RoomsConfig::default())
}

/// The router with rooms run as `rooms` says (limits, timeouts).
pub fn app_with_rooms(store: Store, rooms: rooms::RoomsConfig) -> axum::Router {
    let live = Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    );
    api::router(api::AppState::new(live, store).with_rooms(rooms))
}

/// The router wired as the server wires it: the rooms' stream keys, play
/// tokens for the streams of rooms with a password, and the public RTMP
/// host if given. The live engine comes back too, to publish into.
pub async fn app_with_live(
    store: Store,
    public_rtmp_host: Option<&str>,
) -> (axum::Router, Arc<Live>) {
    let tokens = rooms::PlayTokens::open(&store, 1_700_000_000_000)
        .await
        .unwrap();
    let keys = rooms::RoomStreamKeys::new(StaticKeys::default(), store.clone(), tokens.clone());
    let live = Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(keys),
    );
    let state = api::AppState::new(live.clone(), store)
        .with_rtmp(1935, public_rtmp_host.map(str::to_owned))
        .with_play_tokens(tokens);
    (api::router(state), live)
}

pub async fn call(
    app: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, value, parts.headers)
}

pub fn post(uri: &str, body: Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn me(token: &str) -> Request<Body> {
    Request::get("/api/v1/auth/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

pub fn authed(request: axum::http::request::Builder, token: &str) -> axum::http::request::Builder {
    request.header(header::AUTHORIZATION, format!("Bearer {token}"))
}

/// Registers `name` and returns its token.
pub async fn token_for(app: &axum::Router, name: &str) -> String {
    let body = serde_json::json!({"username": name, "password": "correct horse"});
    let (status, value, _) = call(app, post("/api/v1/auth/register", body)).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    value["token"].as_str().unwrap().to_owned()
}

/// Publishes 3 s of AAC audio as `name`, so the stream has a closed HLS
/// segment; the stream lasts as long as the publisher.
pub async fn publish_audio(live: &Arc<Live>, name: &str) -> hub::Publisher {
    let publisher = live.hub.publish(name).await;
    let config = bytes::Bytes::from_static(&[0xaf, 0, 0x12, 0x10]);
    let config = media::Frame::parse(media::Track::Audio, 0, config).unwrap();
    publisher.send(config).await.unwrap();
    for i in 0..140 {
        let body = bytes::Bytes::from_static(&[0xaf, 1, 0x21, 0x10, 0x04]);
        let frame = media::Frame::parse(media::Track::Audio, i * 23, body).unwrap();
        publisher.send(frame).await.unwrap();
    }
    for _ in 0..500 {
        if live.hls.playlist(name).is_some() {
            return publisher;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no HLS playlist for {name}");
}
