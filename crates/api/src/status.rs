//! The server's own state: health, readiness, metrics, the streams on the
//! air, and the API's description.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use live::Live;
use serde::Serialize;

use crate::{metrics, openapi, readiness, ApiError, AppState};

/// Health, readiness, metrics, streams, the OpenAPI document.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/streams", get(streams))
        .route("/api/v1/openapi.json", get(openapi::document))
}

/// Ready when the database and (in cluster mode) Redis answer; 503 while
/// either does not.
async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    if let Err(e) = readiness(&state.store, &state.cluster).await {
        tracing::warn!("not ready: {e}");
        return Err(ApiError::Unavailable);
    }
    Ok("ready")
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
