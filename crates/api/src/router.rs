use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use live::Live;
use serde::Serialize;

use crate::{
    admin, auth, hls, members, metrics, playlist, realtime, room_live, room_routes, room_settings,
    ApiError, AppState,
};

/// Largest JSON body any route takes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every HTTP route but the raw HTTP-FLV path.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/hls/{stream}/{file}", get(hls::file))
        .route("/api/v1/streams", get(streams))
        .route("/api/v1/openapi.json", get(crate::openapi::document))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/me", get(auth::me))
        .route("/api/v1/admin/users", get(admin::users))
        .route(
            "/api/v1/admin/users/{user}/ban",
            post(admin::ban).delete(admin::unban),
        )
        .route(
            "/api/v1/rooms",
            get(room_routes::list).post(room_routes::create),
        )
        .route(
            "/api/v1/rooms/{id}",
            get(room_routes::get)
                .patch(room_settings::update)
                .delete(room_routes::delete),
        )
        .route("/api/v1/rooms/{id}/chat", get(room_settings::chat_history))
        .route("/api/v1/rooms/{id}/join", post(room_settings::join))
        .route(
            "/api/v1/rooms/{id}/playlist",
            get(playlist::list)
                .post(playlist::add)
                .delete(playlist::clear),
        )
        .route(
            "/api/v1/rooms/{id}/playlist/current",
            put(playlist::set_current),
        )
        .route(
            "/api/v1/rooms/{id}/playlist/{item}",
            patch(playlist::edit).delete(playlist::delete),
        )
        .route(
            "/api/v1/rooms/{id}/playlist/{item}/move",
            post(playlist::move_item),
        )
        .route("/api/v1/rooms/{id}/members", get(members::list))
        .route(
            "/api/v1/rooms/{id}/members/{user}/kick",
            post(members::kick),
        )
        .route(
            "/api/v1/rooms/{id}/members/{user}/ban",
            post(members::ban).delete(members::unban),
        )
        .route(
            "/api/v1/rooms/{id}/members/{user}/role",
            put(members::set_role),
        )
        .route(
            "/api/v1/rooms/{id}/members/{user}/permissions",
            put(members::set_permissions),
        )
        .route(
            "/api/v1/rooms/{id}/live/publish-url",
            get(room_live::publish_url),
        )
        .route("/api/v1/rooms/{id}/live/play-url", get(room_live::play_url))
        .route(
            "/api/v1/rooms/{id}/live/key/rotate",
            post(room_live::rotate_key),
        )
        .route("/api/v1/rooms/{id}/ws", get(realtime::upgrade))
        .route_service(
            "/synctv.room.v1.RoomService/MessageStream",
            realtime::RoomGrpc::service(state.clone()),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(|| async { ApiError::RouteNotFound })
        .layer(axum::middleware::from_fn(cors))
        .with_state(state)
}

/// Ready when storage answers.
async fn ready(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    state.store.ping().await?;
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

/// Browser players fetch streams from other origins: every answer allows
/// it, and preflight requests are answered here for every route.
async fn cors(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type, range"),
    );
    response
}
