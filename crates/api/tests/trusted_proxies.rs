//! The client behind trusted proxies: login attempts are limited per real
//! client when a trusted proxy forwards them, and forwarding headers from
//! an untrusted peer change nothing. Requests go through the router with
//! the peer address the listener would attach.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::{call, DataDir, Store};
use live::{Live, LiveConfig, StaticKeys};
use serde_json::json;

/// Login and register allow a burst of 10 per client address.
const BURST: usize = 10;

fn app(store: Store, trusted: &[&str]) -> axum::Router {
    let live = Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    );
    let blocks = trusted
        .iter()
        .map(|b| api::Cidr::parse(b).unwrap())
        .collect();
    let state =
        api::AppState::new(live, store).with_trusted_proxies(api::TrustedProxies::new(blocks));
    api::router(state)
}

/// A failed login from `peer`, with `X-Forwarded-For: forwarded` if given.
fn login_from(peer: &str, forwarded: Option<&str>) -> Request<Body> {
    let body = json!({"username": "nobody", "password": "wrong password"});
    let mut request =
        Request::post("/api/v1/auth/login").header(header::CONTENT_TYPE, "application/json");
    if let Some(chain) = forwarded {
        request = request.header("x-forwarded-for", chain);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn status(app: &axum::Router, request: Request<Body>) -> StatusCode {
    call(app, request).await.0
}

async fn open_store(dir: &DataDir) -> Store {
    Store::open(None, dir.path()).await.unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_budget() {
    let dir = DataDir::create("trusted-budget");
    let app = app(open_store(&dir).await, &["10.0.0.0/8"]);
    let proxy = "10.1.2.3:40000";
    for _ in 0..BURST {
        let attempt = login_from(proxy, Some("198.51.100.1"));
        assert_eq!(status(&app, attempt).await, StatusCode::UNAUTHORIZED);
    }
    let over = login_from(proxy, Some("198.51.100.1"));
    assert_eq!(status(&app, over).await, StatusCode::TOO_MANY_REQUESTS);
    // Another client through the same proxy still has its whole budget.
    let other = login_from(proxy, Some("198.51.100.2"));
    assert_eq!(status(&app, other).await, StatusCode::UNAUTHORIZED);
    // A client cannot escape its budget by prepending a made-up hop: the
    // proxy appends the address it saw, which is the one that counts.
    let spoofed = login_from(proxy, Some("203.0.113.77, 198.51.100.1"));
    assert_eq!(status(&app, spoofed).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let dir = DataDir::create("untrusted-peer");
    let app = app(open_store(&dir).await, &["10.0.0.0/8"]);
    let peer = "203.0.113.9:5000";
    for n in 0..BURST {
        let made_up = format!("198.51.100.{n}");
        let attempt = login_from(peer, Some(&made_up));
        assert_eq!(status(&app, attempt).await, StatusCode::UNAUTHORIZED);
    }
    let fresh_claim = login_from(peer, Some("192.0.2.200"));
    assert_eq!(
        status(&app, fresh_claim).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let bare = login_from(peer, None);
    assert_eq!(status(&app, bare).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn without_trusted_proxies_every_client_of_a_proxy_shares_its_budget() {
    let dir = DataDir::create("no-trusted");
    let app = app(open_store(&dir).await, &[]);
    let proxy = "10.1.2.3:40000";
    for n in 0..BURST {
        let client = format!("198.51.100.{n}");
        let attempt = login_from(proxy, Some(&client));
        assert_eq!(status(&app, attempt).await, StatusCode::UNAUTHORIZED);
    }
    let next = login_from(proxy, Some("198.51.100.99"));
    assert_eq!(status(&app, next).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_ipv4_proxy_seen_through_an_ipv6_listener_is_trusted() {
    let dir = DataDir::create("mapped-proxy");
    let app = app(open_store(&dir).await, &["10.0.0.0/8"]);
    let proxy = "[::ffff:10.0.0.7]:40000";
    for _ in 0..BURST {
        let attempt = login_from(proxy, Some("198.51.100.1"));
        assert_eq!(status(&app, attempt).await, StatusCode::UNAUTHORIZED);
    }
    let other = login_from(proxy, Some("198.51.100.2"));
    assert_eq!(status(&app, other).await, StatusCode::UNAUTHORIZED);
}
