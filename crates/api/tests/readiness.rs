//! `/readyz` against real dependencies: a private `redis-server` killed and
//! started again mid-test, a PostgreSQL database of the test's own that is
//! dropped and created again, and the real PostgreSQL reached through a
//! port that stops answering. Readiness fails while a dependency is gone
//! and comes back by itself.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::redis::{cluster_on, unique_prefix, RedisServer};
use common::{psql, DataDir, PgDatabase, Store};
use live::{Live, LiveConfig, StaticKeys};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tower::ServiceExt;

fn app(store: Store, cluster: Option<cluster::Cluster>) -> axum::Router {
    let live = Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    );
    let mut state = api::AppState::new(live, store);
    if let Some(cluster) = cluster {
        state = state.with_cluster(cluster);
    }
    api::router(state)
}

async fn readyz(app: &axum::Router) -> StatusCode {
    let request = Request::get("/readyz").body(Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap().status()
}

/// Polls `/readyz` until it answers `want`; fails naming `what` after 20 s.
async fn until(app: &axum::Router, want: StatusCode, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = readyz(app).await;
        if status == want {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: /readyz still {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readyz_fails_while_redis_is_down_and_recovers_by_itself() {
    let mut redis = RedisServer::start();
    let cluster = cluster_on(&redis.url(), &unique_prefix("ready"), "pod-r").await;
    let dir = DataDir::create("ready-redis");
    let app = app(Store::open(None, dir.path()).await.unwrap(), Some(cluster));
    assert_eq!(readyz(&app).await, StatusCode::OK);

    redis.kill();
    until(&app, StatusCode::SERVICE_UNAVAILABLE, "redis killed").await;
    redis.spawn();
    until(&app, StatusCode::OK, "redis back").await;
}

#[tokio::test]
async fn readyz_fails_while_the_database_is_gone_and_recovers_by_itself() {
    let db = PgDatabase::create("ready");
    let store = Store::open(Some(&db.url()), std::path::Path::new("."))
        .await
        .unwrap();
    let app = app(store.clone(), None);
    assert_eq!(readyz(&app).await, StatusCode::OK);
    api::readiness(
        &store,
        &cluster::Cluster::memory(cluster::ClusterConfig::new("x")),
    )
    .await
    .unwrap();

    let name = db.url().rsplit('/').next().unwrap().to_owned();
    psql(&format!("DROP DATABASE {name} WITH (FORCE)"));
    until(&app, StatusCode::SERVICE_UNAVAILABLE, "database dropped").await;
    psql(&format!("CREATE DATABASE {name}"));
    until(&app, StatusCode::OK, "database back").await;
    store.close().await;
}

#[tokio::test]
async fn the_readiness_check_reports_a_database_that_is_gone() {
    let db = PgDatabase::create("unreachable");
    let store = Store::open(Some(&db.url()), std::path::Path::new("."))
        .await
        .unwrap();
    let solo = cluster::Cluster::memory(cluster::ClusterConfig::new("x"));
    api::readiness(&store, &solo).await.unwrap();
    let name = db.url().rsplit('/').next().unwrap().to_owned();
    psql(&format!("DROP DATABASE {name} WITH (FORCE)"));
    let err = api::readiness(&store, &solo).await.unwrap_err();
    assert!(
        matches!(
            err,
            api::NotReady::Database(_) | api::NotReady::DatabaseTimeout(_)
        ),
        "{err}"
    );
    store.close().await;
}

/// A TCP port that forwards to the real PostgreSQL while it runs; dropping
/// it closes the port and every connection through it.
struct PgPort {
    relay: JoinSet<()>,
}

impl PgPort {
    async fn open(addr: SocketAddr) -> PgPort {
        let listener = TcpListener::bind(addr).await.unwrap();
        let mut relay = JoinSet::new();
        relay.spawn(async move {
            let mut links = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                links.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        PgPort { relay }
    }

    fn close(mut self) {
        self.relay.abort_all();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readiness_check_fails_while_the_database_port_is_unreachable_and_recovers() {
    let db = PgDatabase::create("port");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let port = PgPort::open(addr).await;
    let via_port = db.url().replace("127.0.0.1:5432", &addr.to_string());
    let store = Store::open(Some(&via_port), std::path::Path::new("."))
        .await
        .unwrap();
    let solo = cluster::Cluster::memory(cluster::ClusterConfig::new("x"));
    api::readiness(&store, &solo).await.unwrap();

    port.close();
    let deadline = Instant::now() + Duration::from_secs(20);
    while api::readiness(&store, &solo).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "still ready with the port closed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let app = app(store.clone(), None);
    assert_eq!(readyz(&app).await, StatusCode::SERVICE_UNAVAILABLE);

    let _port = PgPort::open(addr).await;
    until(&app, StatusCode::OK, "port open again").await;
    store.close().await;
}
