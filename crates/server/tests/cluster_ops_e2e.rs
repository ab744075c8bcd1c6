//! Cluster operations with real processes: two synctv replicas on the
//! machine's PostgreSQL (a database of the test's own) and Redis (a key
//! prefix of the test's own) see each other in the admin's node list, name
//! the same replica for a room's publisher, report ready, and forget a
//! replica that stops. And a server behind a trusted proxy limits login
//! attempts per client, over a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::postgres::PgDatabase;
use support::{api, Server};

/// Deletes the test's Redis keys when dropped.
struct RedisPrefix(String);

impl RedisPrefix {
    fn new() -> RedisPrefix {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        RedisPrefix(format!("synctv-e2e-{}-{nanos}:", std::process::id()))
    }
}

impl Drop for RedisPrefix {
    fn drop(&mut self) {
        let script = format!(
            "redis-cli -h 127.0.0.1 --scan --pattern '{}*' | xargs -r redis-cli -h 127.0.0.1 del",
            self.0
        );
        let _ = Command::new("sh").args(["-c", &script]).status();
    }
}

fn replica(id: &str, db: &PgDatabase, prefix: &RedisPrefix) -> Server {
    let url = db.url();
    Server::start(&[
        ("SYNCTV_DATABASE_URL", url.as_str()),
        ("SYNCTV_REDIS_URL", "redis://127.0.0.1:6379/"),
        ("SYNCTV_CLUSTER__SECRET", "a-test-secret-of-24-chars"),
        ("SYNCTV_CLUSTER__KEY_PREFIX", prefix.0.as_str()),
        ("SYNCTV_CLUSTER__NODE_ID", id),
    ])
}

fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, Value) {
    api::call(server.http, "GET", path, token, &Value::Null)
}

/// Polls the node list on `server` until it names exactly `ids`.
fn wait_for_nodes(server: &Server, admin: &str, ids: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, nodes) = get(server, "/api/v1/admin/nodes", Some(admin));
        assert_eq!(status, 200, "{nodes}");
        let listed: Vec<&str> = nodes
            .as_array()
            .map(|list| list.iter().filter_map(|n| n["id"].as_str()).collect())
            .unwrap_or_default();
        if listed == ids {
            return nodes;
        }
        assert!(
            Instant::now() < deadline,
            "nodes never became {ids:?}: {nodes}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn publish_server(server: &Server, room: &str, token: &str) -> String {
    let path = format!("/api/v1/rooms/{room}/live/publish-url");
    let (status, url) = get(server, &path, Some(token));
    assert_eq!(status, 200, "{url}");
    url["server"].as_str().unwrap().to_owned()
}

#[test]
fn replicas_list_each_other_and_agree_on_where_a_room_publishes() {
    let db = PgDatabase::create("cluster_ops");
    let prefix = RedisPrefix::new();
    let a = replica("replica-a", &db, &prefix);
    let b = replica("replica-b", &db, &prefix);
    let admin = api::register(a.http, "ada");

    let nodes = wait_for_nodes(&b, &admin, &["replica-a", "replica-b"]);
    assert_eq!(nodes[0]["rtmp_addr"], a.rtmp.to_string());
    assert_eq!(nodes[1]["http_addr"], b.http.to_string());
    assert_eq!(get(&a, "/readyz", None).0, 200);
    assert_eq!(get(&b, "/readyz", None).0, 200);

    let (status, room) = api::call(
        a.http,
        "POST",
        "/api/v1/rooms",
        Some(&admin),
        &json!({"name": "r"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let on_a = publish_server(&a, &room, &admin);
    assert_eq!(publish_server(&b, &room, &admin), on_a);
    let replicas = [
        format!("rtmp://{}/live", a.rtmp),
        format!("rtmp://{}/live", b.rtmp),
    ];
    assert!(replicas.contains(&on_a), "{on_a} names neither replica");

    let mut metrics = String::new();
    let mut socket = TcpStream::connect(a.http).unwrap();
    write!(
        socket,
        "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    socket.read_to_string(&mut metrics).unwrap();
    assert!(metrics.contains("synctv_cluster_nodes 2\n"), "{metrics}");

    let b_rtmp = b.rtmp;
    assert!(b.terminate().success());
    wait_for_nodes(&a, &admin, &["replica-a"]);
    assert_eq!(
        publish_server(&a, &room, &admin),
        format!("rtmp://{}/live", a.rtmp)
    );
    assert_ne!(
        format!("rtmp://{b_rtmp}/live"),
        publish_server(&a, &room, &admin)
    );
}

/// A failed login through the proxy at 127.0.0.1 on behalf of `client`.
fn login_via_proxy(http: SocketAddr, client: &str) -> u16 {
    let body = json!({"username": "nobody", "password": "wrong password"}).to_string();
    let mut socket = TcpStream::connect(http).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        socket,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: tv\r\nConnection: close\r\n\
         X-Forwarded-For: {client}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer[9..12].parse().unwrap()
}

#[test]
fn behind_a_trusted_proxy_login_attempts_are_limited_per_client() {
    let trusted = Server::start(&[("SYNCTV_HTTP__TRUSTED_PROXIES", r#"["127.0.0.0/8"]"#)]);
    for _ in 0..10 {
        assert_eq!(login_via_proxy(trusted.http, "198.51.100.1"), 401);
    }
    assert_eq!(login_via_proxy(trusted.http, "198.51.100.1"), 429);
    assert_eq!(login_via_proxy(trusted.http, "198.51.100.2"), 401);

    let untrusted = Server::start(&[]);
    for n in 0..10 {
        assert_eq!(
            login_via_proxy(untrusted.http, &format!("198.51.100.{n}")),
            401
        );
    }
    assert_eq!(login_via_proxy(untrusted.http, "198.51.100.77"), 429);
}
