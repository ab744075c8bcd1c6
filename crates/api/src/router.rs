use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use crate::{
    admin, audience, auth, client_addr, flv_play, hls, members, playlist, realtime, room_live,
    room_routes, room_settings, room_stages, status, ApiError, AppState,
};

/// Largest JSON body any route takes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every HTTP route (HTTP-FLV here only when a connection's first request
/// is something else; see `listener`): each group's routes, merged.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(status::routes())
        .merge(hls::routes())
        .merge(flv_play::routes())
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(room_routes::routes())
        .merge(room_settings::routes())
        .merge(playlist::routes())
        .merge(members::routes())
        .merge(room_live::routes())
        .merge(room_stages::routes())
        .merge(realtime::routes(state.clone()))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), audience::count_hls))
        // Outermost but CORS: every layer and route below sees the client.
        .layer(from_fn_with_state(state.clone(), client_addr::resolve))
        .layer(axum::middleware::from_fn(cors))
        .with_state(state)
}

/// Paths that belong to the API and the live engine: an unknown one is the
/// API's JSON 404, never the site.
const RESERVED: [&str; 3] = ["/api", "/flv", "/hls"];

/// A request no route took: the site answers it, unless its path is
/// reserved or there is no site.
async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    let reserved = RESERVED.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    match state.site {
        Some(site) if !reserved => match site.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        _ => ApiError::RouteNotFound.into_response(),
    }
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
