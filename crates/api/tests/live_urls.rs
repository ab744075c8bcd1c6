//! A room's live URLs through the router wired as the server wires it, on
//! SQLite and on the real PostgreSQL: the play URLs of a room with a
//! password carry a token the live engine accepts, and publish URLs name
//! a host streamers can reach.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::{app_with_live, authed, call, publish_audio, token_for, Store};
use serde_json::{json, Value};

/// A call as `token` (if any), with these extra headers; status and JSON.
async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = authed(request, token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(if method == "GET" { "" } else { "{}" }))
        .unwrap();
    let (status, body, _) = call(app, request).await;
    (status.as_u16(), body)
}

/// Creates a room as `token`; returns its id.
async fn room(app: &axum::Router, token: &str, body: Value) -> String {
    let request = authed(Request::post("/api/v1/rooms"), token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, room, _) = call(app, request).await;
    assert_eq!(status, 201, "{room}");
    room["id"].as_str().unwrap().to_owned()
}

fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or(""))
}

async fn a_private_rooms_play_url_carries_a_token_that_opens_its_stream(store: Store) {
    let (app, live) = app_with_live(store, None).await;
    let host = token_for(&app, "host").await;
    let ann = token_for(&app, "ann").await;
    let id = room(&app, &host, json!({"name": "private", "password": "pw"})).await;
    let join = authed(Request::post(format!("/api/v1/rooms/{id}/join")), &ann)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"password":"pw"}"#))
        .unwrap();
    assert_eq!(call(&app, join).await.0, 200);

    let host_header = [("host", "tv.example.org:8080")];
    let play_url = format!("/api/v1/rooms/{id}/live/play-url");
    let (status, urls) = send(&app, "GET", &play_url, Some(&ann), &host_header).await;
    assert_eq!(status, 200, "{urls}");
    let token = urls["token"].as_str().unwrap();
    assert!(urls["expires_at_ms"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(
        urls["hls"],
        format!("http://tv.example.org:8080/hls/{id}/index.m3u8?token={token}")
    );
    assert_eq!(
        urls["flv"],
        format!("http://tv.example.org:8080/flv/{id}.flv?token={token}")
    );

    let _publisher = publish_audio(&live, &id).await;
    let playlist = format!("/hls/{id}/index.m3u8");
    assert_eq!(
        code(&send(&app, "GET", &playlist, None, &[]).await),
        (403, "play_token_required")
    );
    let with_token = format!("{playlist}?token={token}");
    let request = Request::get(&with_token).body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the token opens the stream");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let segment = text.lines().find(|l| l.contains(".ts")).unwrap();
    assert!(segment.ends_with(&format!("?token={token}")), "{text}");

    // Another private room's token does not open this stream.
    let other = room(&app, &host, json!({"name": "other", "password": "pw"})).await;
    let other_url = format!("/api/v1/rooms/{other}/live/play-url");
    let (_, other_urls) = send(&app, "GET", &other_url, Some(&host), &[]).await;
    let foreign = format!("{playlist}?token={}", other_urls["token"].as_str().unwrap());
    assert_eq!(
        code(&send(&app, "GET", &foreign, None, &[]).await),
        (403, "play_token_required")
    );
}
on_both_backends!(
    play_token,
    a_private_rooms_play_url_carries_a_token_that_opens_its_stream
);

async fn an_open_rooms_play_url_has_no_token(store: Store) {
    let (app, _live) = app_with_live(store, None).await;
    let host = token_for(&app, "host").await;
    let id = room(&app, &host, json!({"name": "open"})).await;
    let play_url = format!("/api/v1/rooms/{id}/live/play-url");
    let (status, urls) = send(&app, "GET", &play_url, Some(&host), &[]).await;
    assert_eq!(status, 200, "{urls}");
    assert_eq!(
        (&urls["token"], &urls["expires_at_ms"]),
        (&Value::Null, &Value::Null)
    );
    let playlist = format!("/hls/{id}/index.m3u8");
    assert_eq!(
        code(&send(&app, "GET", &playlist, None, &[]).await),
        (404, "stream_not_found"),
        "no token needed; nothing is live"
    );
}
on_both_backends!(open_play_url, an_open_rooms_play_url_has_no_token);

async fn a_configured_public_rtmp_host_is_shown_to_streamers(store: Store) {
    let (app, _live) = app_with_live(store, Some("live.example.org:1936")).await;
    let host = token_for(&app, "host").await;
    let id = room(&app, &host, json!({"name": "live"})).await;
    let headers = [("host", "tv.example.org:8080")];
    let publish = format!("/api/v1/rooms/{id}/live/publish-url");
    let (status, url) = send(&app, "GET", &publish, Some(&host), &headers).await;
    assert_eq!(status, 200, "{url}");
    assert_eq!(url["server"], "rtmp://live.example.org:1936/live");
    let key = url["key"].as_str().unwrap();
    assert_eq!(
        url["url"],
        format!("rtmp://live.example.org:1936/live/{key}")
    );
    let rotate = format!("/api/v1/rooms/{id}/live/key/rotate");
    let (_, rotated) = send(&app, "POST", &rotate, Some(&host), &headers).await;
    assert_eq!(rotated["server"], "rtmp://live.example.org:1936/live");
    let play = format!("/api/v1/rooms/{id}/live/play-url");
    let (_, urls) = send(&app, "GET", &play, Some(&host), &headers).await;
    assert_eq!(
        urls["rtmp"],
        format!("rtmp://live.example.org:1936/live/{id}")
    );
}
on_both_backends!(
    public_rtmp_host,
    a_configured_public_rtmp_host_is_shown_to_streamers
);

/// Behind a reverse proxy the request's Host is the proxy's upstream
/// (often 127.0.0.1); the host the caller typed comes in X-Forwarded-Host
/// or Forwarded, and that is what the URLs show.
async fn urls_behind_a_proxy_show_the_host_the_caller_used(store: Store) {
    let (app, _live) = app_with_live(store, None).await;
    let host = token_for(&app, "host").await;
    let id = room(&app, &host, json!({"name": "live"})).await;
    let publish = format!("/api/v1/rooms/{id}/live/publish-url");
    let play = format!("/api/v1/rooms/{id}/live/play-url");
    let proxied = [
        ("host", "127.0.0.1:8080"),
        ("x-forwarded-host", "tv.example.org"),
        ("x-forwarded-proto", "https"),
    ];
    let (status, url) = send(&app, "GET", &publish, Some(&host), &proxied).await;
    assert_eq!(status, 200, "{url}");
    assert_eq!(url["server"], "rtmp://tv.example.org:1935/live");
    let (_, urls) = send(&app, "GET", &play, Some(&host), &proxied).await;
    assert_eq!(urls["flv"], format!("https://tv.example.org/flv/{id}.flv"));
    assert_eq!(
        urls["rtmp"],
        format!("rtmp://tv.example.org:1935/live/{id}")
    );

    let rfc7239 = [
        ("host", "127.0.0.1:8080"),
        ("forwarded", "for=192.0.2.7;host=watch.example.net"),
    ];
    let (_, url) = send(&app, "GET", &publish, Some(&host), &rfc7239).await;
    assert_eq!(url["server"], "rtmp://watch.example.net:1935/live");
}
on_both_backends!(
    behind_a_proxy,
    urls_behind_a_proxy_show_the_host_the_caller_used
);
