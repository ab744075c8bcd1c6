//! A room's playlist over HTTP: list, add, edit, delete, move, clear, and
//! the current item. Every change goes through the room, which checks the
//! caller's permissions and tells every member.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::Json;
use axum::Router;
use room::{
    Actor, AddItem, ClearPlaylist, DeleteItem, EditItem, ItemId, MediaKind, MoveItem, NewSource,
    RequestId, SetCurrent,
};
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::json::ApiJson;
use crate::path::ApiPath;
use crate::room_routes::{member_of, room_id};
use crate::views::{Applied, ItemView, PlaybackView};
use crate::{ApiError, AppState};

/// A room's playlist.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/rooms/{id}/playlist",
            get(list).post(add).delete(clear),
        )
        .route("/api/v1/rooms/{id}/playlist/current", put(set_current))
        .route(
            "/api/v1/rooms/{id}/playlist/{item}",
            patch(edit).delete(delete),
        )
        .route("/api/v1/rooms/{id}/playlist/{item}/move", post(move_item))
}

#[derive(Debug, Serialize)]
pub(crate) struct PlaylistView {
    items: Vec<ItemView>,
    playback: PlaybackView,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PlaylistView>, ApiError> {
    let id = room_id(&id)?;
    let view = member_of(&state, &id, &user, |room, now| PlaylistView {
        items: room.playlist().iter().map(ItemView::from).collect(),
        playback: PlaybackView::from(&room.clock_at(now)),
    })
    .await?;
    Ok(Json(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewItem {
    /// A direct media URL (http or https)…
    #[serde(default)]
    url: Option<String>,
    /// …or the room's own live stream.
    #[serde(default)]
    live: bool,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    duration_ms: Option<u64>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Added {
    item: Option<ItemView>,
    #[serde(flatten)]
    applied: Applied,
}

pub(crate) async fn add(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewItem>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let id = room_id(&id)?;
    let source = match (body.url, body.live) {
        (Some(url), false) => NewSource::Url {
            url,
            kind: body.kind.as_deref().map(media_kind).transpose()?,
        },
        (None, true) => NewSource::Live,
        _ => {
            return Err(ApiError::Invalid {
                code: "bad_source",
                message: "give either url or live: true",
            })
        }
    };
    let command = AddItem {
        title: body.title,
        source,
        duration_ms: body.duration_ms,
        request_id: body.request_id.map(RequestId::new).transpose()?,
    };
    let actor = Actor::User(user.id);
    let (receipt, item) = state
        .rooms
        .apply_then(&id, actor, command.into(), |room| {
            room.playlist()
                .iter()
                .max_by_key(|item| item.id)
                .map(ItemView::from)
        })
        .await?;
    let status = if receipt.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let item = if receipt.replayed { None } else { item };
    let applied = Applied::from(receipt);
    Ok((status, Json(Added { item, applied })))
}

fn media_kind(kind: &str) -> Result<MediaKind, ApiError> {
    match kind {
        "mp4" => Ok(MediaKind::Mp4),
        "webm" => Ok(MediaKind::Webm),
        "hls" | "m3u8" => Ok(MediaKind::Hls),
        "flv" => Ok(MediaKind::Flv),
        _ => Err(ApiError::Invalid {
            code: "bad_kind",
            message: "kind is mp4, webm, hls or flv",
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemChange {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    duration_ms: Option<u64>,
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, item)): ApiPath<(String, u64)>,
    ApiJson(body): ApiJson<ItemChange>,
) -> Result<Json<Applied>, ApiError> {
    let source = match body.url {
        Some(url) => Some(NewSource::Url {
            url,
            kind: body.kind.as_deref().map(media_kind).transpose()?,
        }),
        None => None,
    };
    let command = EditItem {
        id: ItemId(item),
        title: body.title,
        source,
        duration_ms: body.duration_ms,
    };
    apply(&state, &id, &user, command.into()).await
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, item)): ApiPath<(String, u64)>,
) -> Result<Json<Applied>, ApiError> {
    let command = DeleteItem { id: ItemId(item) };
    apply(&state, &id, &user, command.into()).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveTo {
    /// The item to follow; null for the top.
    after: Option<u64>,
}

pub(crate) async fn move_item(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, item)): ApiPath<(String, u64)>,
    ApiJson(body): ApiJson<MoveTo>,
) -> Result<Json<Applied>, ApiError> {
    let command = MoveItem {
        id: ItemId(item),
        after: body.after.map(ItemId),
    };
    apply(&state, &id, &user, command.into()).await
}

pub(crate) async fn clear(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Applied>, ApiError> {
    apply(&state, &id, &user, ClearPlaylist.into()).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Current {
    item_id: u64,
    request_id: String,
}

pub(crate) async fn set_current(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Current>,
) -> Result<Json<Applied>, ApiError> {
    let command = SetCurrent {
        id: ItemId(body.item_id),
        request_id: RequestId::new(body.request_id)?,
    };
    apply(&state, &id, &user, command.into()).await
}

/// Applies a command of the signed-in user to the room.
pub(crate) async fn apply(
    state: &AppState,
    id: &str,
    user: &store::User,
    command: room::RoomCommand,
) -> Result<Json<Applied>, ApiError> {
    let id = room_id(id)?;
    let receipt = state
        .rooms
        .apply(&id, Actor::User(user.id), command)
        .await?;
    Ok(Json(Applied::from(receipt)))
}
