//! Accounts through the router, on SQLite and on the real PostgreSQL at
//! 127.0.0.1:5432 (a database of its own per test, dropped afterwards).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use live::{Live, LiveConfig, StaticKeys};
use serde_json::{json, Value};
use store::Store;
use tower::ServiceExt;

/// A PostgreSQL database that is dropped with this value.
struct PgDatabase(String);

impl PgDatabase {
    fn create(tag: &str) -> PgDatabase {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("synctv_api_{tag}_{}_{n}", std::process::id());
        psql(&format!("CREATE DATABASE {name}"));
        PgDatabase(name)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.0)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
    }
}

fn psql(sql: &str) {
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

/// Runs `test` once on SQLite and once on PostgreSQL.
macro_rules! on_both_backends {
    ($name:ident, $test:ident) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $test(Store::open_sqlite_memory().await.unwrap()).await;
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

fn app(store: Store) -> axum::Router {
    let live = Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    );
    api::router(api::AppState::new(live, store))
}

async fn call(
    app: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, Value, axum::http::HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, value, parts.headers)
}

fn post(uri: &str, body: Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn me(token: &str) -> Request<Body> {
    Request::get("/api/v1/auth/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

async fn register(app: &axum::Router, name: &str) -> (StatusCode, Value) {
    let body = json!({"username": name, "password": "correct horse"});
    let (status, value, _) = call(app, post("/api/v1/auth/register", body)).await;
    (status, value)
}

async fn the_first_account_is_admin_and_its_token_works(store: Store) {
    let app = app(store);
    let (status, first) = register(&app, "ada").await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["user"]["is_admin"], true);
    let (status, second) = register(&app, "bob").await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["user"]["is_admin"], false);

    let token = first["token"].as_str().unwrap();
    let (status, user, _) = call(&app, me(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["username"], "ada");
}
on_both_backends!(
    first_account_is_admin,
    the_first_account_is_admin_and_its_token_works
);

async fn a_taken_username_is_a_conflict_in_any_case(store: Store) {
    let app = app(store);
    register(&app, "Ada").await;
    let (status, body) = register(&app, "aDA").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "username_taken");
}
on_both_backends!(taken_username, a_taken_username_is_a_conflict_in_any_case);

async fn login_checks_the_password_and_logout_revokes_the_session(store: Store) {
    let app = app(store);
    register(&app, "ada").await;
    let wrong = json!({"username": "ada", "password": "wrong password"});
    let (status, body, _) = call(&app, post("/api/v1/auth/login", wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "bad_credentials");
    let unknown = json!({"username": "nobody", "password": "correct horse"});
    let (status, _, _) = call(&app, post("/api/v1/auth/login", unknown)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let right = json!({"username": "ADA", "password": "correct horse"});
    let (status, body, headers) = call(&app, post("/api/v1/auth/login", right)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let by_cookie = Request::get("/api/v1/auth/me")
        .header(header::COOKIE, &pair)
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, by_cookie).await.0, StatusCode::OK);

    let token = body["token"].as_str().unwrap();
    let logout = Request::post("/api/v1/auth/logout")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&app, logout).await.0, StatusCode::NO_CONTENT);
    let (status, body, _) = call(&app, me(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
}
on_both_backends!(
    login_and_logout,
    login_checks_the_password_and_logout_revokes_the_session
);

#[tokio::test]
async fn bad_bodies_are_json_errors_never_500s() {
    let app = app(Store::open_sqlite_memory().await.unwrap());
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            Request::post("/api/v1/auth/register")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post("/api/v1/auth/register", json!({"username": "ada"})),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            post(
                "/api/v1/auth/register",
                json!({"username": "ada", "password": "short"}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_password",
        ),
        (
            post(
                "/api/v1/auth/register",
                json!({"username": "a/b", "password": "long enough"}),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_username",
        ),
        (
            Request::post("/api/v1/auth/register")
                .body(Body::from(
                    json!({"username": "ada", "password": "long enough"}).to_string(),
                ))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "unsupported_media_type",
        ),
        (
            post(
                "/api/v1/auth/register",
                json!({"username": "x".repeat(100_000), "password": "p"}),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (request, status, code) in cases {
        let (got, body, _) = call(&app, request).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    assert_eq!(call(&app, me("garbage")).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_attempts_are_rate_limited() {
    let app = app(Store::open_sqlite_memory().await.unwrap());
    let attempt = || {
        post(
            "/api/v1/auth/login",
            json!({"username": "x", "password": "wrong pass"}),
        )
    };
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(call(&app, attempt()).await.0);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
}
