//! The embedded app as a browser sees it, through the router itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(path: &str, etag: Option<&str>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(tag) = etag {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    let response = web::router()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}

fn entry_script() -> &'static str {
    web::files()
        .iter()
        .find(|f| f.path.starts_with("assets/index-") && f.path.ends_with(".js"))
        .map(|f| f.path)
        .expect("the built app has an entry script")
}

#[tokio::test]
async fn root_serves_the_app_and_revalidates_it() {
    let (status, headers, body) = get("/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    let html = String::from_utf8(body).unwrap();
    assert!(html.contains(r#"<div id="app">"#), "{html}");
    assert!(
        html.contains(entry_script()),
        "index.html loads the entry script"
    );
}

#[tokio::test]
async fn app_paths_fall_back_to_index_html() {
    let (_, _, index) = get("/", None).await;
    for path in ["/rooms/k3v9x2m7q1ab", "/login", "/admin", "/no/such/page"] {
        let (status, headers, body) = get(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{path}");
        assert_eq!(body, index, "{path}");
    }
}

#[tokio::test]
async fn hashed_assets_are_immutable_with_their_type() {
    let path = format!("/{}", entry_script());
    let (status, headers, body) = get(&path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(!body.is_empty());
}

#[tokio::test]
async fn a_missing_asset_is_a_404_not_the_app() {
    let (status, _, body) = get("/assets/index-00000000.js", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&body).contains("<html"));
}

#[tokio::test]
async fn a_matching_etag_gets_not_modified() {
    let (_, headers, _) = get("/", None).await;
    let tag = headers[header::ETAG].to_str().unwrap().to_owned();
    let (status, _, body) = get("/", Some(&tag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let (status, _, _) = get("/", Some("\"other\"")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn only_get_and_head_are_answered() {
    let request = Request::post("/").body(Body::empty()).unwrap();
    let response = web::router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[header::ALLOW], "GET, HEAD");
}
