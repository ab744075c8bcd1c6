//! A room's settings, joining it over HTTP, and its chat history.

use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use axum::{Extension, Json};
use room::{
    Actor, Join, Leave, Permissions, Role, SettingsChange, UpdateSettings, UserId, Visibility,
};
use serde::Deserialize;
use store::{RoomId, RoomRepo};

use crate::auth::{now_ms, AuthUser};
use crate::client_addr::ClientIp;
use crate::json::{ApiJson, ApiQuery};
use crate::path::ApiPath;
use crate::room_routes::{checked_password_hash, member_of, room_id, RoomView};
use crate::views::{Applied, ChatView};
use crate::{ApiError, AppState};

/// A room's chat history and joining over HTTP (settings go with the room).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/chat", get(chat_history))
        .route("/api/v1/rooms/{id}/join", post(join))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoomChange {
    #[serde(default)]
    name: Option<String>,
    /// A new password.
    #[serde(default)]
    password: Option<String>,
    /// Removes the password.
    #[serde(default)]
    remove_password: bool,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default)]
    guests_allowed: Option<bool>,
    #[serde(default)]
    admin_permissions: Option<u32>,
    #[serde(default)]
    member_permissions: Option<u32>,
    #[serde(default)]
    guest_permissions: Option<u32>,
}

/// Updates the settings; the room checks the caller may.
pub(crate) async fn update(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RoomChange>,
) -> Result<Json<RoomView>, ApiError> {
    let id = room_id(&id)?;
    if body.password.is_some() && body.remove_password {
        return Err(ApiError::Invalid {
            code: "bad_password_change",
            message: "give a password or remove_password, not both",
        });
    }
    may_change_settings(&state, &id, user.id).await?;
    // A new password is stored before the room says it has one; a removed
    // one is forgotten after: a room never claims a password it lacks.
    let has_password = match body.password {
        Some(password) => {
            let hash = checked_password_hash(password).await?;
            state
                .store
                .set_room_password(&id, Some(&hash), now_ms())
                .await?;
            Some(true)
        }
        None => body.remove_password.then_some(false),
    };
    let change = SettingsChange {
        name: body.name,
        has_password,
        visibility: body.hidden.map(|hidden| {
            if hidden {
                Visibility::Hidden
            } else {
                Visibility::Public
            }
        }),
        guests_allowed: body.guests_allowed,
        admin_permissions: body.admin_permissions.map(Permissions::from_bits_truncate),
        member_permissions: body.member_permissions.map(Permissions::from_bits_truncate),
        guest_permissions: body.guest_permissions.map(Permissions::from_bits_truncate),
    };
    let command = UpdateSettings { change };
    state
        .rooms
        .apply(&id, Actor::User(user.id), command.into())
        .await?;
    if has_password == Some(false) {
        state.store.set_room_password(&id, None, now_ms()).await?;
    }
    let record = state.store.room(&id).await?;
    Ok(Json(RoomView::new(&record, None, &state)))
}

/// Settings are for the room's admins (checked before any password is
/// hashed, so nobody else makes the server do that work).
async fn may_change_settings(state: &AppState, id: &RoomId, user: UserId) -> Result<(), ApiError> {
    let role = state
        .rooms
        .read(id, move |room, _| room.member(user).map(|m| m.role))
        .await?;
    match role {
        Some(Role::Admin | Role::Creator) => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only the room's admins change its settings",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JoinBody {
    #[serde(default)]
    password: String,
}

/// Becomes a member (with the room's password, if it has one) without
/// staying online: the realtime channel then enters without a password.
pub(crate) async fn join(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    peer: Option<Extension<ClientIp>>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<JoinBody>,
) -> Result<Json<Applied>, ApiError> {
    let id = room_id(&id)?;
    let password_ok = match state.store.room_password_hash(&id).await? {
        Some(hash) if !body.password.is_empty() => {
            crate::auth::limit(&state, peer)?;
            let password = body.password;
            tokio::task::spawn_blocking(move || store::password::verify(&password, &hash))
                .await
                .map_err(|_| ApiError::Unavailable)??
        }
        _ => false,
    };
    let join = Join {
        name: user.username.clone(),
        guest: false,
        password_ok,
    };
    let actor = Actor::User(user.id);
    let receipt = state.rooms.apply(&id, actor, join.into()).await?;
    let left = state.rooms.apply(&id, actor, Leave.into()).await?;
    Ok(Json(Applied::from(room::Receipt {
        seq: left.seq,
        events: receipt.events + left.events,
        replayed: false,
    })))
}

#[derive(Deserialize)]
pub(crate) struct ChatQuery {
    #[serde(default)]
    before: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

/// A page of chat history, oldest first: messages older than `before`
/// (a message id), the newest when absent.
pub(crate) async fn chat_history(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<ChatQuery>,
) -> Result<Json<Vec<ChatView>>, ApiError> {
    let id = room_id(&id)?;
    let limit = query.limit.unwrap_or(50);
    let page = member_of(&state, &id, &user, move |room, _| {
        room.chat_history(query.before, limit)
            .iter()
            .map(ChatView::from)
            .collect()
    })
    .await?;
    Ok(Json(page))
}
