//! A live room's stages (docs/stages.md): where a viewer watches
//! (`watch`), viewer heartbeats, and manual control for the room's admins
//! (publisher, stages, replication). Every route calls the
//! [`stages::StageControl`] seam in [`AppState`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use room::Role;
use serde::{Deserialize, Serialize};
use stages::{StageControl, StageView};

use crate::auth::{now_ms, session_user, token_from, AuthUser};
use crate::path::ApiPath;
use crate::room_live::{caller_host, caller_scheme};
use crate::room_routes::{member_of, room_id};
use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/live/watch", post(watch))
        .route("/api/v1/rooms/{id}/live/heartbeat", post(heartbeat))
        .route("/api/v1/rooms/{id}/live/publisher", get(publisher))
        .route("/api/v1/rooms/{id}/live/stages", get(list).post(open))
        .route(
            "/api/v1/rooms/{id}/live/stages/{stage}/replication",
            post(replicate).delete(stop),
        )
}

#[derive(Deserialize)]
pub(crate) struct Viewer {
    /// The id `watch` gave (anonymous viewers); signed-in callers are
    /// known by their account.
    viewer: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct StageBody {
    id: String,
    node: String,
    viewers: u64,
    capacity: u32,
    replicate: bool,
    replicating: bool,
    warning: Option<String>,
    opened_at_ms: u64,
}

#[derive(Serialize)]
pub(crate) struct WatchBody {
    viewer: String,
    stage: StageBody,
    flv: String,
    hls: String,
    rtmp: String,
    token: Option<String>,
    heartbeat_every_ms: u64,
}

fn seam(state: &AppState) -> Result<&Arc<dyn StageControl>, ApiError> {
    state.stages.as_ref().ok_or(ApiError::Unavailable)
}

/// Seats the caller on a stage and answers that replica's play URLs.
async fn watch(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<WatchBody>, ApiError> {
    let room = room_id(&id)?;
    let body = body_bytes(body)?;
    let (viewer, private) = viewer_of(&state, &room, &headers, body).await?;
    let seam = seam(&state)?;
    let placed = seam
        .watch(room.as_str(), &viewer)
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    let token = match (&state.play_tokens, private) {
        (Some(tokens), true) => {
            let expires_at_ms = now_ms() + rooms::TOKEN_TTL_MS;
            let node = &placed.stage.stage.node;
            Some(tokens.issue_on(room.as_str(), node, expires_at_ms))
        }
        _ => None,
    };
    let own = placed.stage.stage.node == seam.node();
    // Another replica is named by its advertised address (plain HTTP); this
    // one by the host and scheme the caller reached it with.
    let (scheme, http, rtmp) = match placed.node.filter(|_| !own) {
        Some(node) => ("http", node.http_addr, node.rtmp_addr),
        None => {
            let host = caller_host(&headers).unwrap_or("localhost").to_owned();
            let bare = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
            let rtmp = state
                .public_rtmp_host
                .clone()
                .unwrap_or_else(|| format!("{bare}:{}", state.rtmp_port));
            (caller_scheme(&headers), host, rtmp)
        }
    };
    let query = match &token {
        Some(token) => format!("?token={token}&viewer={viewer}"),
        None => format!("?viewer={viewer}"),
    };
    let name = room.as_str();
    Ok(Json(WatchBody {
        flv: format!("{scheme}://{http}/flv/{name}.flv{query}"),
        hls: format!("{scheme}://{http}/hls/{name}/index.m3u8{query}"),
        rtmp: format!("rtmp://{rtmp}/{}/{name}{query}", live::APP),
        stage: body_of(placed.stage),
        heartbeat_every_ms: seam.heartbeat_every().as_millis() as u64,
        viewer,
        token,
    }))
}

/// A viewer's heartbeat; 404 `stage_not_found` when it is not seated
/// (its beats expired): it should watch again.
async fn heartbeat(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let room = room_id(&id)?;
    let body = body_bytes(body)?;
    let (viewer, _) = viewer_of(&state, &room, &headers, body).await?;
    let seated = seam(&state)?
        .heartbeat(room.as_str(), &viewer)
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    if !seated {
        return Err(ApiError::StageNotFound);
    }
    Ok(Json(serde_json::json!({ "viewer": viewer })))
}

async fn publisher(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let room = room_id(&id)?;
    room_admin(&state, &room, &user).await?;
    let publisher = seam(&state)?
        .publisher(room.as_str())
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    Ok(Json(serde_json::json!({
        "publishing": publisher.is_some(),
        "node": publisher.as_ref().map(|p| p.node.clone()),
        "since_ms": publisher.as_ref().map(|p| p.since_ms),
    })))
}

async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let room = room_id(&id)?;
    room_admin(&state, &room, &user).await?;
    let stages = seam(&state)?
        .stages(room.as_str())
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    let stages: Vec<StageBody> = stages.into_iter().map(body_of).collect();
    Ok(Json(serde_json::json!({ "stages": stages })))
}

async fn open(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StageBody>, ApiError> {
    let room = room_id(&id)?;
    room_admin(&state, &room, &user).await?;
    let stage = seam(&state)?
        .open(room.as_str())
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    Ok(Json(body_of(stage)))
}

async fn replicate(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<(String, String)>,
) -> Result<Json<StageBody>, ApiError> {
    set_replication(state, user, path, true).await
}

async fn stop(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<(String, String)>,
) -> Result<Json<StageBody>, ApiError> {
    set_replication(state, user, path, false).await
}

async fn set_replication(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, stage)): ApiPath<(String, String)>,
    on: bool,
) -> Result<Json<StageBody>, ApiError> {
    let room = room_id(&id)?;
    room_admin(&state, &room, &user).await?;
    let stage = seam(&state)?
        .replication(room.as_str(), &stage, on)
        .await
        .map_err(|e| ApiError::from_stages(room.as_str(), e))?;
    Ok(Json(body_of(stage)))
}

/// The caller's viewer id, and whether the room needs a play token. A
/// room with a password is for its members (signed in); others may be
/// watched by anyone, known by the id `watch` hands out.
async fn viewer_of(
    state: &AppState,
    room: &store::RoomId,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(String, bool), ApiError> {
    let user = match token_from(headers) {
        Some(token) => Some(session_user(state, token).await?),
        None => None,
    };
    let private = state
        .rooms
        .read(room, |room, _| room.settings().has_password)
        .await?;
    if let Some(user) = &user {
        if private {
            member_of(state, room, user, |_, _| ()).await?;
        }
        return Ok((format!("u{}", user.id.0), private));
    }
    if private {
        return Err(ApiError::Unauthenticated);
    }
    match given_viewer(&body)? {
        Some(viewer) => Ok((viewer, false)),
        None => Ok((new_viewer(), false)),
    }
}

/// The viewer id an anonymous caller's body names: none for an empty body,
/// JSON `null` or an object without `viewer`; a body that is not such JSON, or an id this
/// server never hands out, is refused in words.
fn given_viewer(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: Option<Viewer> =
        serde_json::from_slice(body).map_err(|e| ApiError::BadBody(e.to_string()))?;
    match parsed.and_then(|p| p.viewer) {
        Some(viewer) if !valid_viewer(&viewer) => Err(ApiError::Invalid {
            code: "invalid_viewer",
            message: "viewer must be an id that watch handed out",
        }),
        given => Ok(given),
    }
}

/// The request body as bytes, with a body over the limit answered as the
/// API's JSON 413.
fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
        _ => ApiError::BadBody(rejection.body_text()),
    })
}

/// Stage control is for the room's admins (and site admins).
async fn room_admin(
    state: &AppState,
    room: &store::RoomId,
    user: &store::User,
) -> Result<(), ApiError> {
    let uid = user.id;
    let admin = member_of(state, room, user, move |room, _| {
        room.member(uid)
            .is_some_and(|m| matches!(m.role, Role::Admin | Role::Creator))
    })
    .await?;
    if admin || user.is_admin {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "managing this room's stages is for its admins",
    ))
}

/// A viewer id a client may hand back: `a` and up to 32 hex digits.
fn valid_viewer(id: &str) -> bool {
    id.len() <= 33
        && id.starts_with('a')
        && id.len() > 1
        && id[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fresh anonymous viewer id.
fn new_viewer() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "a{:x}{:04x}",
        nanos ^ (std::process::id() as u64) << 40,
        n & 0xffff
    )
}

fn body_of(view: StageView) -> StageBody {
    let s = view.stage;
    StageBody {
        id: s.id,
        node: s.node,
        viewers: view.viewers,
        capacity: s.capacity,
        replicate: s.replicate,
        replicating: s.replicating,
        warning: s.warning,
        opened_at_ms: s.opened_at_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_handed_out_viewer_ids_are_taken_back() {
        assert!(valid_viewer(&new_viewer()));
        assert!(valid_viewer("a0f"));
        assert!(!valid_viewer("a"));
        assert!(!valid_viewer("u12"));
        assert!(!valid_viewer("a0f&token=x"));
    }

    #[test]
    fn an_empty_body_asks_for_a_fresh_viewer_and_a_bad_one_is_refused() {
        assert!(matches!(given_viewer(b""), Ok(None)));
        assert!(matches!(given_viewer(b" \n"), Ok(None)));
        assert!(matches!(given_viewer(b"{}"), Ok(None)));
        assert!(matches!(given_viewer(b"null"), Ok(None)));
        assert!(matches!(given_viewer(br#"{"viewer":"a0f"}"#), Ok(Some(v)) if v == "a0f"));
        assert!(matches!(
            given_viewer(b"{not json"),
            Err(ApiError::BadBody(_))
        ));
        assert!(matches!(
            given_viewer(br#"{"viewer":7}"#),
            Err(ApiError::BadBody(_))
        ));
        assert!(matches!(
            given_viewer(br#"{"viewer":"u12"}"#),
            Err(ApiError::Invalid {
                code: "invalid_viewer",
                ..
            })
        ));
    }
}
