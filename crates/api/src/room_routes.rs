//! Rooms over HTTP: create, list, get, delete. Settings, join and chat
//! history are in `room_settings`, the live URLs in `room_live`.
//! Everything a room does in real time goes through its realtime channel
//! (docs/realtime.md); these routes cover what happens outside a room.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use axum::Router;
use room::{Room, RoomLimits, RoomSettings, Visibility};
use serde::{Deserialize, Serialize};
use store::{Page, RoomId, RoomRecord, RoomRepo};

use crate::auth::{now_ms, AuthUser};
use crate::json::{ApiJson, ApiQuery};
use crate::path::ApiPath;
use crate::{ApiError, AppState};

/// Rooms: list and create, one room, its settings, delete.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms", get(list).post(create))
        .route(
            "/api/v1/rooms/{id}",
            get(show).patch(crate::room_settings::update).delete(delete),
        )
}

const MAX_PAGE: u32 = 100;

#[derive(Deserialize)]
pub(crate) struct NewRoom {
    name: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    guests_allowed: bool,
}

#[derive(Serialize)]
pub(crate) struct RoomView {
    id: String,
    name: String,
    creator: u64,
    has_password: bool,
    hidden: bool,
    guests_allowed: bool,
    created_at_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<u64>,
    live_viewers: usize,
}

impl RoomView {
    pub(crate) fn new(record: &RoomRecord, members: Option<u64>, state: &AppState) -> RoomView {
        let settings = &record.settings;
        let live_viewers = state
            .live
            .hub
            .streams()
            .iter()
            .find(|s| s.name == record.id.as_str())
            .map_or(0, |s| s.viewers);
        RoomView {
            id: record.id.as_str().to_owned(),
            name: settings.name.clone(),
            creator: record.creator.0,
            has_password: settings.has_password,
            hidden: settings.visibility == Visibility::Hidden,
            guests_allowed: settings.guests_allowed,
            created_at_ms: record.created_at_ms,
            members,
            live_viewers,
        }
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<NewRoom>,
) -> Result<Response, ApiError> {
    let mut settings = RoomSettings::new(body.name);
    settings.has_password = body.password.is_some();
    settings.guests_allowed = body.guests_allowed && body.password.is_none();
    if body.hidden {
        settings.visibility = Visibility::Hidden;
    }
    let now = now_ms();
    let room = Room::new(
        user.id,
        &user.username,
        settings,
        RoomLimits::default(),
        now,
    )?;
    let password_hash = match body.password {
        Some(password) => Some(checked_password_hash(password).await?),
        None => None,
    };
    let record = state
        .store
        .create_room(user.id, &room.saved(), password_hash.as_deref(), now)
        .await?;
    tracing::info!(room = record.id.as_str(), user = %user.id, "room created");
    Ok((
        StatusCode::CREATED,
        Json(RoomView::new(&record, Some(1), &state)),
    )
        .into_response())
}

pub(crate) async fn checked_password_hash(password: String) -> Result<String, ApiError> {
    if password.is_empty() || password.chars().count() > 128 {
        return Err(ApiError::Invalid {
            code: "invalid_password",
            message: "a room password is 1 to 128 characters",
        });
    }
    crate::auth::hash_password(password).await
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    limit: Option<u32>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<RoomView>>, ApiError> {
    let page = Page {
        offset: query.offset,
        limit: query.limit.unwrap_or(50).clamp(1, MAX_PAGE),
    };
    let rooms = state.store.list_public_rooms(page).await?;
    let views = rooms
        .iter()
        .map(|s| RoomView::new(&s.room, Some(s.members), &state))
        .collect();
    Ok(Json(views))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RoomView>, ApiError> {
    let record = state.store.room(&room_id(&id)?).await?;
    Ok(Json(RoomView::new(&record, None, &state)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let id = room_id(&id)?;
    let record = state.store.room(&id).await?;
    if record.creator != user.id && !user.is_admin {
        return Err(ApiError::Forbidden(
            "only the creator or an admin deletes a room",
        ));
    }
    state.store.delete_room(&id).await?;
    state.rooms.close(&id).await;
    tracing::info!(room = id.as_str(), user = %user.id, "room deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Runs `read` on the room if `user` is one of its members (or a site
/// admin); 403 otherwise.
pub(crate) async fn member_of<T: Send + 'static>(
    state: &AppState,
    id: &RoomId,
    user: &store::User,
    read: impl FnOnce(&Room, i64) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (uid, admin) = (user.id, user.is_admin);
    state
        .rooms
        .read(id, move |room, now| {
            if admin || room.member(uid).is_some() {
                Ok(read(room, now))
            } else {
                Err(ApiError::Forbidden("only members of the room see this"))
            }
        })
        .await?
}

pub(crate) fn room_id(id: &str) -> Result<RoomId, ApiError> {
    RoomId::parse(id).ok_or(ApiError::NotFound(store::Entity::Room))
}
