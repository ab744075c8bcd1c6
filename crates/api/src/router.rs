use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use live::Live;
use serde::Serialize;

use crate::{hls, ApiError};

/// Every HTTP route but the raw HTTP-FLV path.
pub fn router(live: Arc<Live>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ready" }))
        .route("/hls/{stream}/{file}", get(hls::file))
        .route("/api/v1/streams", get(streams))
        .fallback(fallback)
        .layer(axum::middleware::map_response(cors))
        .with_state(live)
}

#[derive(Serialize)]
struct StreamItem {
    name: String,
    viewers: usize,
    live_secs: u64,
}

async fn streams(State(live): State<Arc<Live>>) -> Json<Vec<StreamItem>> {
    let items = live
        .hub
        .streams()
        .into_iter()
        .map(|s| StreamItem {
            live_secs: s.started_at.elapsed().as_secs(),
            name: s.name,
            viewers: s.viewers,
        })
        .collect();
    Json(items)
}

async fn fallback(method: Method) -> Response {
    if method == Method::OPTIONS {
        return StatusCode::NO_CONTENT.into_response();
    }
    ApiError::RouteNotFound.into_response()
}

/// Browser players fetch streams from other origins.
async fn cors(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, range"),
    );
    response
}
