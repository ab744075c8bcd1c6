//! Accounts through the router, on SQLite and on the real PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{app, call, me, post, Store};
use serde_json::{json, Value};

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

async fn bad_bodies_are_json_errors_never_500s(store: Store) {
    let app = app(store);
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
on_both_backends!(bad_bodies, bad_bodies_are_json_errors_never_500s);

async fn login_attempts_are_rate_limited(store: Store) {
    let app = app(store);
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
on_both_backends!(login_rate_limit, login_attempts_are_rate_limited);

async fn register_attempts_are_rate_limited_even_when_they_fail(store: Store) {
    let app = app(store);
    let mut answers = Vec::new();
    for n in 0..11 {
        let body = json!({"username": format!("user{n}"), "password": "short"});
        let (status, body, _) = call(&app, post("/api/v1/auth/register", body)).await;
        answers.push((status, body["error"]["code"].as_str().map(str::to_owned)));
    }
    let refused = (StatusCode::BAD_REQUEST, Some("invalid_password".to_owned()));
    assert!(answers[..10].iter().all(|a| *a == refused), "{answers:?}");
    let limited = (
        StatusCode::TOO_MANY_REQUESTS,
        Some("rate_limited".to_owned()),
    );
    assert_eq!(answers[10], limited);
    let (status, _) = register(&app, "ada").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a good one waits too"
    );
}
on_both_backends!(
    register_rate_limit,
    register_attempts_are_rate_limited_even_when_they_fail
);
