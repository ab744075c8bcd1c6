//! Rooms over HTTP: create, list, get, delete, and the live publish URL.
//! Everything a room does in real time goes through its realtime channel
//! (docs/realtime.md); these routes cover what happens outside a room.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use room::{
    Actor, Close, Join, Leave, Permissions, Room, RoomLimits, RoomSettings, SettingsChange,
    UpdateSettings, Visibility,
};
use serde::{Deserialize, Serialize};
use store::{Page, RoomId, RoomRecord, RoomRepo, StreamKeyRepo};

use crate::auth::{now_ms, AuthUser};
use crate::json::{ApiJson, ApiQuery};
use crate::views::{Applied, ChatView};
use crate::{ApiError, AppState};

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
    fn new(record: &RoomRecord, members: Option<u64>, state: &AppState) -> RoomView {
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

async fn checked_password_hash(password: String) -> Result<String, ApiError> {
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

pub(crate) async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RoomView>, ApiError> {
    let record = state.store.room(&room_id(&id)?).await?;
    Ok(Json(RoomView::new(&record, None, &state)))
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = room_id(&id)?;
    let record = state.store.room(&id).await?;
    if record.creator != user.id && !user.is_admin {
        return Err(ApiError::Forbidden(
            "only the creator or an admin deletes a room",
        ));
    }
    state.store.delete_room(&id).await?;
    state.rooms.tell(&id, Actor::System, Close.into());
    tracing::info!(room = id.as_str(), user = %user.id, "room deleted");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub(crate) struct PublishUrl {
    /// The server URL to give OBS (`rtmp://HOST:PORT/live`).
    server: String,
    /// The stream key.
    key: String,
    /// Both together, for ffmpeg.
    url: String,
}

pub(crate) async fn publish_url(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PublishUrl>, ApiError> {
    let id = room_id(&id)?;
    may_go_live(&state, &id, user.id).await?;
    let key = state.store.stream_key(&id).await?;
    Ok(Json(publish_url_for(&state, &headers, key.as_str())))
}

pub(crate) async fn rotate_key(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PublishUrl>, ApiError> {
    let id = room_id(&id)?;
    may_go_live(&state, &id, user.id).await?;
    let key = state.store.rotate_stream_key(&id, now_ms()).await?;
    tracing::info!(room = id.as_str(), user = %user.id, "stream key rotated");
    Ok(Json(publish_url_for(&state, &headers, key.as_str())))
}

#[derive(Serialize)]
pub(crate) struct PlayUrls {
    flv: String,
    hls: String,
    rtmp: String,
    /// The play token in those URLs (rooms with a password only).
    token: Option<String>,
    expires_at_ms: Option<i64>,
}

/// Where members watch the room's live stream. Rooms with a password get
/// URLs with a play token; anyone else is refused.
pub(crate) async fn play_url(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<PlayUrls>, ApiError> {
    let id = room_id(&id)?;
    let private = member_of(&state, &id, &user, |room, _| room.settings().has_password).await?;
    let expires_at_ms = now_ms() + crate::play_tokens::TOKEN_TTL_MS;
    let token = match (&state.play_tokens, private) {
        (Some(tokens), true) => Some(tokens.issue(id.as_str(), expires_at_ms)),
        _ => None,
    };
    let query = token
        .as_ref()
        .map_or(String::new(), |token| format!("?token={token}"));
    let http = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    let rtmp = publish_url_for(&state, &headers, id.as_str()).url;
    Ok(Json(PlayUrls {
        flv: format!("{scheme}://{http}/flv/{}.flv{query}", id.as_str()),
        hls: format!("{scheme}://{http}/hls/{}/index.m3u8{query}", id.as_str()),
        rtmp: format!("{rtmp}{query}"),
        expires_at_ms: token.as_ref().map(|_| expires_at_ms),
        token,
    }))
}

/// The key is shown only to members allowed to go live.
async fn may_go_live(state: &AppState, id: &RoomId, user: room::UserId) -> Result<(), ApiError> {
    let allowed = state
        .rooms
        .read(id, move |room, _| {
            room.permissions(user).contains(Permissions::GO_LIVE)
        })
        .await?;
    if !allowed {
        return Err(ApiError::Forbidden(
            "going live in this room is not allowed for you",
        ));
    }
    Ok(())
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoomChange>,
) -> Result<Json<RoomView>, ApiError> {
    let id = room_id(&id)?;
    let password_hash = match body.password {
        Some(password) => Some(checked_password_hash(password).await?),
        None => None,
    };
    let has_password = match (&password_hash, body.remove_password) {
        (Some(_), true) => {
            return Err(ApiError::Invalid {
                code: "bad_password_change",
                message: "give a password or remove_password, not both",
            })
        }
        (Some(_), false) => Some(true),
        (None, true) => Some(false),
        (None, false) => None,
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
    if has_password.is_some() {
        state
            .store
            .set_room_password(&id, password_hash.as_deref(), now_ms())
            .await?;
    }
    let record = state.store.room(&id).await?;
    Ok(Json(RoomView::new(&record, None, &state)))
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
    Path(id): Path<String>,
    ApiJson(body): ApiJson<JoinBody>,
) -> Result<Json<Applied>, ApiError> {
    let id = room_id(&id)?;
    let password_ok = match state.store.room_password_hash(&id).await? {
        Some(hash) if !body.password.is_empty() => {
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
    Path(id): Path<String>,
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

/// The RTMP host is the configured public one, or the host the caller used
/// to reach this server (so a remote browser never gets 127.0.0.1).
fn publish_url_for(state: &AppState, headers: &HeaderMap, key: &str) -> PublishUrl {
    let host = state.public_rtmp_host.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let host = strip_port(host);
        format!("{host}:{}", state.rtmp_port)
    });
    let server = format!("rtmp://{host}/{}", live::APP);
    PublishUrl {
        url: format!("{server}/{key}"),
        server,
        key: key.to_owned(),
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

pub(crate) fn room_id(id: &str) -> Result<RoomId, ApiError> {
    RoomId::parse(id).ok_or(ApiError::NotFound(store::Entity::Room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_from_host_headers() {
        assert_eq!(strip_port("example.org:8080"), "example.org");
        assert_eq!(strip_port("example.org"), "example.org");
        assert_eq!(strip_port("[::1]:8080"), "[::1]");
    }
}
