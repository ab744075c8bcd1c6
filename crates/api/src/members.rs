//! A room's members over HTTP: list, kick, ban, unban, role and
//! permissions. The room checks who may do what; kicked and banned
//! members lose their connections.

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::Json;
use axum::Router;
use room::{Ban, Kick, Permissions, Role, SetPermissions, SetRole, Unban, UserId};
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::json::{ApiJson, ApiQuery};
use crate::path::ApiPath;
use crate::playlist::apply;
use crate::room_routes::{member_of, room_id};
use crate::views::{Applied, MemberView};
use crate::{ApiError, AppState};

/// A room's members.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/members", get(list))
        .route("/api/v1/rooms/{id}/members/{user}/kick", post(kick))
        .route(
            "/api/v1/rooms/{id}/members/{user}/ban",
            post(ban).delete(unban),
        )
        .route("/api/v1/rooms/{id}/members/{user}/role", put(set_role))
        .route(
            "/api/v1/rooms/{id}/members/{user}/permissions",
            put(set_permissions),
        )
}

/// The default (and largest) page of members.
const PAGE: usize = 500;

#[derive(Debug, Serialize)]
pub(crate) struct MembersView {
    members: Vec<MemberView>,
    /// Banned users: on the first page only (no `after`).
    banned: Vec<u64>,
    /// Members online now.
    online: u64,
    /// The `after` of the next page; `None` on the last one.
    next_after: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembersQuery {
    /// Only members with a higher user id (the previous page's
    /// `next_after`).
    after: Option<u64>,
    /// How many, at most [`PAGE`].
    limit: Option<usize>,
    /// Only those online.
    #[serde(default)]
    online: bool,
}

/// Members in user id order, a page at a time: following `next_after`
/// lists each exactly once.
pub(crate) async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MembersQuery>,
) -> Result<Json<MembersView>, ApiError> {
    let id = room_id(&id)?;
    let limit = query.limit.unwrap_or(PAGE).min(PAGE);
    let after = query.after.map(UserId);
    let view = member_of(&state, &id, &user, move |room, _| {
        let page = room.members_page(after, limit, query.online);
        let banned = match after {
            None => room.banned().iter().map(|u| u.0).collect(),
            Some(_) => Vec::new(),
        };
        MembersView {
            members: page.members.iter().map(MemberView::from).collect(),
            banned,
            online: room.online_count() as u64,
            next_after: page.next_after.map(|u| u.0),
        }
    })
    .await?;
    Ok(Json(view))
}

pub(crate) async fn kick(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, target)): ApiPath<(String, u64)>,
) -> Result<Json<Applied>, ApiError> {
    let command = Kick {
        user: UserId(target),
    };
    apply(&state, &id, &user, command.into()).await
}

pub(crate) async fn ban(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, target)): ApiPath<(String, u64)>,
) -> Result<Json<Applied>, ApiError> {
    let command = Ban {
        user: UserId(target),
    };
    apply(&state, &id, &user, command.into()).await
}

pub(crate) async fn unban(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, target)): ApiPath<(String, u64)>,
) -> Result<Json<Applied>, ApiError> {
    let command = Unban {
        user: UserId(target),
    };
    apply(&state, &id, &user, command.into()).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleBody {
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, target)): ApiPath<(String, u64)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<Applied>, ApiError> {
    let role = match body.role.as_str() {
        "member" => Role::Member,
        "admin" => Role::Admin,
        _ => {
            return Err(ApiError::Invalid {
                code: "bad_role",
                message: "role is member or admin",
            })
        }
    };
    let command = SetRole {
        user: UserId(target),
        role,
    };
    apply(&state, &id, &user, command.into()).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PermissionsBody {
    /// Permission bits, or null for the role's defaults.
    permissions: Option<u32>,
}

pub(crate) async fn set_permissions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, target)): ApiPath<(String, u64)>,
    ApiJson(body): ApiJson<PermissionsBody>,
) -> Result<Json<Applied>, ApiError> {
    let command = SetPermissions {
        user: UserId(target),
        permissions: body.permissions.map(Permissions::from_bits_truncate),
    };
    apply(&state, &id, &user, command.into()).await
}
