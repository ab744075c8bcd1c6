//! The HTTP routes, exercised through the router with `oneshot`; HLS content
//! comes from a real stream fed through the hub.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use bytes::Bytes;
use http_body_util::BodyExt;
use live::{Live, LiveConfig, StaticKeys};
use media::{Frame, Track};
use tower::ServiceExt;

fn live() -> Arc<Live> {
    Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::default()),
    )
}

async fn app(live: &Arc<Live>) -> axum::Router {
    let store = store::Store::open_sqlite_memory().await.unwrap();
    api::router(api::AppState::new(live.clone(), store))
}

async fn get(live: &Arc<Live>, uri: &str) -> (StatusCode, axum::http::HeaderMap, Bytes) {
    let request = Request::get(uri).body(Body::empty()).unwrap();
    let response = app(live).await.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

/// Publishes 3 s of AAC audio so the stream has a closed HLS segment.
async fn publish_audio(live: &Arc<Live>, name: &str) -> hub::Publisher {
    let publisher = live.hub.publish(name).await;
    let config = Bytes::from_static(&[0xaf, 0, 0x12, 0x10]);
    publisher
        .send(Frame::parse(Track::Audio, 0, config).unwrap())
        .await
        .unwrap();
    for i in 0..140 {
        let body = Bytes::from_static(&[0xaf, 1, 0x21, 0x10, 0x04]);
        let frame = Frame::parse(Track::Audio, i * 23, body).unwrap();
        publisher.send(frame).await.unwrap();
    }
    publisher
}

async fn wait_for_playlist(live: &Arc<Live>, name: &str) -> String {
    for _ in 0..100 {
        if let Some(p) = live.hls.playlist(name) {
            return String::from_utf8(p.to_vec()).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no playlist for {name}");
}

#[tokio::test]
async fn health_endpoints_answer() {
    let live = live();
    assert_eq!(get(&live, "/healthz").await.0, StatusCode::OK);
    assert_eq!(get(&live, "/readyz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn readiness_is_a_json_503_when_storage_does_not_answer() {
    let store = store::Store::open_sqlite_memory().await.unwrap();
    let app = api::router(api::AppState::new(live(), store.clone()));
    store.close().await;
    let request = Request::get("/readyz").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains(r#""code":"unavailable""#), "{body}");
}

#[tokio::test]
async fn a_playlist_is_served_uncached_with_its_content_type_and_cors() {
    let live = live();
    let _publisher = publish_audio(&live, "s").await;
    let text = wait_for_playlist(&live, "s").await;
    let (status, headers, body) = get(&live, "/hls/s/index.m3u8").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.apple.mpegurl"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert_eq!(body, text.as_bytes());

    let segment = text.lines().find(|l| l.ends_with(".ts")).unwrap();
    let (status, headers, body) = get(&live, &format!("/hls/s/{segment}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "video/mp2t");
    assert_eq!(body[0], 0x47, "an MPEG-TS sync byte");
}

#[tokio::test]
async fn unknown_streams_and_segments_are_json_404s() {
    let live = live();
    let (status, headers, body) = get(&live, "/hls/nobody/index.m3u8").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(body.contains(r#""code":"stream_not_found""#), "{body}");

    let _publisher = publish_audio(&live, "s").await;
    wait_for_playlist(&live, "s").await;
    let (status, headers, body) = get(&live, "/hls/%FF/index.m3u8").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a stream name that is not UTF-8"
    );
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert!(String::from_utf8_lossy(&body).contains("stream_not_found"));
    for uri in [
        "/hls/s/999999.ts",
        "/hls/s/x.ts",
        "/hls/s/index.mpd",
        "/hls/s/%FF.ts",
    ] {
        let (status, _, body) = get(&live, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(String::from_utf8_lossy(&body).contains("segment_not_found"));
    }
}

#[tokio::test]
async fn browsers_get_cors_preflight_answers_and_unknown_routes_404() {
    let live = live();
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/hls/s/index.m3u8")
        .body(Body::empty())
        .unwrap();
    let response = app(&live).await.oneshot(request).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let (status, _, body) = get(&live, "/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains(r#""code":"not_found""#));
}

#[tokio::test]
async fn the_stream_list_counts_viewers() {
    let live = live();
    let _publisher = publish_audio(&live, "s").await;
    let _viewer = live.hub.subscribe("s", Duration::ZERO).await.unwrap();
    let (status, _, body) = get(&live, "/api/v1/streams").await;
    assert_eq!(status, StatusCode::OK);
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        body.contains(r#""name":"s""#) && body.contains(r#""viewers":1"#),
        "{body}"
    );
}

#[tokio::test]
async fn metrics_count_streams_and_viewers_for_prometheus() {
    let live = live();
    let _publisher = publish_audio(&live, "s").await;
    let _viewers = [
        live.hub.subscribe("s", Duration::ZERO).await.unwrap(),
        live.hub.subscribe("s", Duration::ZERO).await.unwrap(),
    ];
    let (status, headers, body) = get(&live, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.contains("synctv_live_streams 1\n"), "{text}");
    assert!(text.contains("synctv_live_viewers 2\n"), "{text}");
    assert!(
        text.contains("synctv_stream_viewers{stream=\"s\"} 2\n"),
        "{text}"
    );
}
