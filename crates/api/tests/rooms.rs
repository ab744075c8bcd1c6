//! Rooms through the router, on SQLite and on the real PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{app, authed, call, post, token_for, Store};
use serde_json::json;

fn create(token: &str, body: serde_json::Value) -> Request<Body> {
    authed(Request::post("/api/v1/rooms"), token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri).header(header::HOST, "tv.example.org:8080");
    if let Some(token) = token {
        request = authed(request, token);
    }
    request.body(Body::empty()).unwrap()
}

async fn rooms_are_created_listed_and_deleted(store: Store) {
    let app = app(store);
    let host = token_for(&app, "host").await;
    let other = token_for(&app, "other").await;

    let (status, public, _) = call(&app, create(&host, json!({"name": "movie night"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{public}");
    let (_, hidden, _) = call(
        &app,
        create(
            &host,
            json!({"name": "secret", "hidden": true, "password": "pw"}),
        ),
    )
    .await;
    assert_eq!(hidden["has_password"], true);

    let (status, list, _) = call(&app, get("/api/v1/rooms", None)).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["movie night"], "hidden rooms are not listed");
    assert_eq!(list[0]["members"], 1);

    let id = hidden["id"].as_str().unwrap();
    let (status, room, _) = call(&app, get(&format!("/api/v1/rooms/{id}"), None)).await;
    assert_eq!(
        (status, room["name"].as_str()),
        (StatusCode::OK, Some("secret"))
    );

    let delete = |token: &str| {
        authed(Request::delete(format!("/api/v1/rooms/{id}")), token)
            .body(Body::empty())
            .unwrap()
    };
    let (status, body, _) = call(&app, delete(&other)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(call(&app, delete(&host)).await.0, StatusCode::NO_CONTENT);
    let (status, body, _) = call(&app, get(&format!("/api/v1/rooms/{id}"), None)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("room_not_found"))
    );
}
on_both_backends!(create_list_delete, rooms_are_created_listed_and_deleted);

async fn only_members_allowed_to_go_live_see_the_key(store: Store) {
    let app = app(store);
    let host = token_for(&app, "host").await;
    let other = token_for(&app, "other").await;
    let (_, room, _) = call(&app, create(&host, json!({"name": "live"}))).await;
    let id = room["id"].as_str().unwrap();
    let uri = format!("/api/v1/rooms/{id}/live/publish-url");

    let (status, url, _) = call(&app, get(&uri, Some(&host))).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    assert_eq!(
        url["server"], "rtmp://tv.example.org:1935/live",
        "the caller's host, never 127.0.0.1"
    );
    let key = url["key"].as_str().unwrap().to_owned();
    assert_eq!(url["url"], format!("rtmp://tv.example.org:1935/live/{key}"));

    let (status, body, _) = call(&app, get(&uri, Some(&other))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_denied"))
    );
    assert_eq!(
        call(&app, get(&uri, None)).await.0,
        StatusCode::UNAUTHORIZED
    );

    let rotate = authed(
        Request::post(format!("/api/v1/rooms/{id}/live/key/rotate")),
        &host,
    )
    .header(header::HOST, "tv.example.org")
    .body(Body::empty())
    .unwrap();
    let (status, rotated, _) = call(&app, rotate).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(rotated["key"].as_str().unwrap(), key);

    // Members do not have go_live unless given it: no key, no rotation.
    let join = authed(Request::post(format!("/api/v1/rooms/{id}/join")), &other)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(call(&app, join).await.0, StatusCode::OK);
    let rotate = authed(
        Request::post(format!("/api/v1/rooms/{id}/live/key/rotate")),
        &other,
    )
    .body(Body::empty())
    .unwrap();
    let (status, body, _) = call(&app, rotate).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_denied"))
    );
    let (status, _, _) = call(&app, get(&uri, Some(&other))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, still, _) = call(&app, get(&uri, Some(&host))).await;
    assert_eq!(
        still["key"], rotated["key"],
        "the refused rotation changed nothing"
    );
}
on_both_backends!(publish_url, only_members_allowed_to_go_live_see_the_key);

async fn bad_room_requests_are_clear_errors(store: Store) {
    let app = app(store);
    let token = token_for(&app, "host").await;
    let (status, body, _) = call(&app, create(&token, json!({"name": ""}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body, _) = call(&app, create(&token, json!({"name": "x".repeat(10_000)}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let anonymous = post("/api/v1/rooms", json!({"name": "x"}));
    assert_eq!(call(&app, anonymous).await.0, StatusCode::UNAUTHORIZED);
    for uri in [
        "/api/v1/rooms/..%2F",
        "/api/v1/rooms/nope",
        "/api/v1/rooms/a%20b",
        "/api/v1/rooms/%FF",
        "/api/v1/rooms/%C3%28",
    ] {
        let (status, body, headers) = call(&app, get(uri, None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}");
        assert_eq!(body["error"]["code"], "room_not_found", "{uri}");
    }
    // Not UTF-8 once decoded, in any segment: a JSON 404 of what it names.
    for (uri, code) in [
        ("/api/v1/rooms/%FF/playlist", "room_not_found"),
        ("/api/v1/rooms/%FF/ws", "room_not_found"),
        ("/api/v1/admin/users/%FF/ban", "user_not_found"),
    ] {
        let method = if uri.ends_with("/ban") { "POST" } else { "GET" };
        let request = authed(Request::builder().method(method).uri(uri), &token)
            .body(Body::empty())
            .unwrap();
        let (status, body, _) = call(&app, request).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some(code)),
            "{uri}"
        );
    }
    let (status, body, _) = call(&app, get("/api/v1/rooms?limit=abc", None)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
}
on_both_backends!(bad_requests, bad_room_requests_are_clear_errors);
