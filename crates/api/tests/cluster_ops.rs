//! Cluster operations through the router: the admin's list of live nodes,
//! the publish URL naming one live replica per room, cluster figures in
//! `/metrics`, and HLS viewers counted by client. The cluster runs on the
//! machine's Redis under a fresh key prefix (deleted afterwards).
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use cluster::{Cluster, ClusterConfig, NodeInfo, NodeLoad};
use common::redis::{cluster_on, delete_prefix, unique_prefix};
use common::{authed, call, publish_audio, token_for, DataDir, Store};
use http_body_util::BodyExt;
use live::{Live, LiveConfig, StaticKeys};
use serde_json::{json, Value};
use tower::ServiceExt;

const MACHINE_REDIS: &str = "redis://127.0.0.1:6379";
const TTL: Duration = Duration::from_secs(30);

fn live() -> Arc<Live> {
    Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    )
}

fn node(id: &str, load: NodeLoad) -> NodeInfo {
    NodeInfo {
        id: id.to_owned(),
        http_addr: format!("{id}.synctv:8080"),
        rtmp_addr: format!("{id}.synctv:1935"),
        started_at: 1,
        load,
    }
}

/// Deletes the test's keys even when it fails.
struct Prefix(String);

impl Drop for Prefix {
    fn drop(&mut self) {
        delete_prefix(MACHINE_REDIS, &self.0);
    }
}

async fn get(app: &axum::Router, uri: &str, token: &str) -> (StatusCode, Value) {
    let request = authed(Request::get(uri), token)
        .body(Body::empty())
        .unwrap();
    let (status, body, _) = call(app, request).await;
    (status, body)
}

async fn text(app: &axum::Router, uri: &str) -> String {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

async fn create_room(app: &axum::Router, token: &str) -> String {
    let request = authed(Request::post("/api/v1/rooms"), token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"name": "live"}).to_string()))
        .unwrap();
    let (status, room, _) = call(app, request).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn admins_see_every_live_node_with_its_load_and_others_are_refused() {
    let prefix = Prefix(unique_prefix("nodes"));
    let here = cluster_on(MACHINE_REDIS, &prefix.0, "pod-a").await;
    let there = cluster_on(MACHINE_REDIS, &prefix.0, "pod-b").await;
    let busy = NodeLoad {
        streams: 2,
        flv_viewers: 30,
        hls_viewers: 4,
        room_members: 9,
        ..NodeLoad::default()
    };
    here.nodes
        .announce(&node("pod-a", busy), TTL)
        .await
        .unwrap();
    there
        .nodes
        .announce(&node("pod-b", NodeLoad::default()), TTL)
        .await
        .unwrap();
    let dir = DataDir::create("admin-nodes");
    let store = Store::open(None, dir.path()).await.unwrap();
    let app = api::router(api::AppState::new(live(), store).with_cluster(here));
    let admin = token_for(&app, "ada").await;
    let member = token_for(&app, "bob").await;

    let (status, nodes) = get(&app, "/api/v1/admin/nodes", &admin).await;
    assert_eq!(status, StatusCode::OK, "{nodes}");
    let ids: Vec<&str> = nodes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pod-a", "pod-b"]);
    assert_eq!(nodes[0]["load"]["flv_viewers"], 30);
    assert_eq!(nodes[0]["load"]["room_members"], 9);
    assert_eq!(nodes[0]["rtmp_addr"], "pod-a.synctv:1935");

    there.nodes.withdraw("pod-b").await.unwrap();
    let (_, nodes) = get(&app, "/api/v1/admin/nodes", &admin).await;
    assert_eq!(nodes.as_array().map(Vec::len), Some(1));

    let (status, body) = get(&app, "/api/v1/admin/nodes", &member).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_rooms_publish_url_names_one_live_replica_and_moves_only_when_it_leaves() {
    let prefix = Prefix(unique_prefix("publish"));
    let cluster = cluster_on(MACHINE_REDIS, &prefix.0, "pod-0").await;
    for id in ["pod-0", "pod-1", "pod-2"] {
        cluster
            .nodes
            .announce(&node(id, NodeLoad::default()), TTL)
            .await
            .unwrap();
    }
    let dir = DataDir::create("publish-url");
    let store = Store::open(None, dir.path()).await.unwrap();
    let state = api::AppState::new(live(), store.clone()).with_cluster(cluster.clone());
    let app = api::router(state);
    let host = token_for(&app, "host").await;
    let id = create_room(&app, &host).await;
    let uri = format!("/api/v1/rooms/{id}/live/publish-url");

    let (status, first) = get(&app, &uri, &host).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let server = first["server"].as_str().unwrap().to_owned();
    let chosen = ["pod-0", "pod-1", "pod-2"]
        .into_iter()
        .find(|id| server == format!("rtmp://{id}.synctv:1935/live"))
        .unwrap_or_else(|| panic!("{server} names no live replica"));
    let (_, again) = get(&app, &uri, &host).await;
    assert_eq!(again["server"], first["server"]);

    let other = ["pod-0", "pod-1", "pod-2"]
        .into_iter()
        .find(|id| *id != chosen)
        .unwrap();
    cluster.nodes.withdraw(other).await.unwrap();
    let (_, unmoved) = get(&app, &uri, &host).await;
    assert_eq!(
        unmoved["server"], first["server"],
        "{other} left, yet the room moved"
    );

    cluster.nodes.withdraw(chosen).await.unwrap();
    let (_, moved) = get(&app, &uri, &host).await;
    let moved = moved["server"].as_str().unwrap();
    assert_ne!(moved, server);
    assert!(moved.ends_with(".synctv:1935/live"), "{moved}");

    let pinned = api::AppState::new(live(), store)
        .with_cluster(cluster)
        .with_rtmp(1935, Some("rtmp.example.org:1935".into()));
    let (_, fixed) = get(&api::router(pinned), &uri, &host).await;
    assert_eq!(fixed["server"], "rtmp://rtmp.example.org:1935/live");
}

#[tokio::test]
async fn metrics_show_cluster_figures_only_in_cluster_mode_and_only_once_wired() {
    let dir = DataDir::create("metrics");
    let store = Store::open(None, dir.path()).await.unwrap();
    let solo = Cluster::memory(ClusterConfig::new("solo"));
    let standalone = api::router(api::AppState::new(live(), store.clone()).with_cluster(solo));
    let figures = text(&standalone, "/metrics").await;
    assert!(figures.contains("synctv_live_streams 0"), "{figures}");
    assert!(!figures.contains("synctv_cluster_"), "{figures}");

    let prefix = Prefix(unique_prefix("metrics"));
    let cluster = cluster_on(MACHINE_REDIS, &prefix.0, "pod-m").await;
    cluster
        .nodes
        .announce(&node("pod-m", NodeLoad::default()), TTL)
        .await
        .unwrap();
    let app = api::router(api::AppState::new(live(), store).with_cluster(cluster.clone()));
    let figures = text(&app, "/metrics").await;
    assert!(figures.contains("synctv_cluster_nodes 1\n"), "{figures}");
    assert!(
        figures.contains("synctv_cluster_streams_owned 0\n"),
        "{figures}"
    );
    assert!(
        figures.contains("synctv_cluster_redis_errors_total "),
        "{figures}"
    );
    assert!(!figures.contains("synctv_cluster_pulls_in"), "{figures}");

    cluster.metrics.pulls_in.wire();
    cluster.metrics.pulls_in.add(3);
    let figures = text(&app, "/metrics").await;
    assert!(figures.contains("synctv_cluster_pulls_in 3\n"), "{figures}");
    assert!(!figures.contains("synctv_cluster_bus_lag_ms"), "{figures}");
}

fn playlist_from(stream: &str, client: &str) -> Request<Body> {
    let mut request = Request::get(format!("/hls/{stream}/index.m3u8"))
        .body(Body::empty())
        .unwrap();
    let peer: SocketAddr = client.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

#[tokio::test]
async fn hls_viewers_are_the_distinct_clients_fetching_a_playlist() {
    let dir = DataDir::create("hls-viewers");
    let store = Store::open(None, dir.path()).await.unwrap();
    let live = live();
    let state = api::AppState::new(live.clone(), store);
    let app = api::router(state.clone());
    let _publisher = publish_audio(&live, "show").await;
    for client in ["192.0.2.1:1000", "192.0.2.1:1001", "192.0.2.2:1000"] {
        let response = app
            .clone()
            .oneshot(playlist_from("show", client))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let missing = app
        .clone()
        .oneshot(playlist_from("nothing", "192.0.2.3:1000"))
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(state.audience().hls_viewers, 2);
    assert!(text(&app, "/metrics")
        .await
        .contains("synctv_hls_viewers 2\n"));
}
