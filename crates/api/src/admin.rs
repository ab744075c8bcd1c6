//! Site administration: list, ban and unban accounts, and list the live
//! nodes of the cluster with their load. Admins also delete any room (see
//! the rooms routes).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use cluster::NodeInfo;
use room::UserId;
use serde::{Deserialize, Serialize};
use store::{Page, UserRepo};

use crate::auth::AuthUser;
use crate::json::ApiQuery;
use crate::path::ApiPath;
use crate::{ApiError, AppState};

/// Site administration.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(users))
        .route("/api/v1/admin/users/{user}/ban", post(ban).delete(unban))
        .route("/api/v1/admin/nodes", get(nodes))
}

/// The live nodes, sorted by id, each with the load it last reported
/// (standalone: this node alone).
pub(crate) async fn nodes(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<NodeInfo>>, ApiError> {
    require_admin(&user)?;
    match state.cluster.nodes.live_nodes().await {
        Ok(nodes) => Ok(Json(nodes)),
        Err(e) => {
            tracing::warn!("cannot list the cluster's nodes: {e}");
            Err(ApiError::Unavailable)
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct AdminUserView {
    id: u64,
    username: String,
    is_admin: bool,
    banned: bool,
    created_at_ms: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    limit: Option<u32>,
}

fn require_admin(user: &store::User) -> Result<(), ApiError> {
    if user.is_admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only site admins may do this"))
    }
}

pub(crate) async fn users(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query): ApiQuery<UsersQuery>,
) -> Result<Json<Vec<AdminUserView>>, ApiError> {
    require_admin(&user)?;
    let page = Page {
        offset: query.offset,
        limit: query.limit.unwrap_or(50).clamp(1, 100),
    };
    let users = state.store.list_users(page).await?;
    let views = users
        .into_iter()
        .map(|u| AdminUserView {
            id: u.id.0,
            username: u.username,
            is_admin: u.is_admin,
            banned: u.banned,
            created_at_ms: u.created_at_ms,
        })
        .collect();
    Ok(Json(views))
}

pub(crate) async fn ban(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<u64>,
) -> Result<StatusCode, ApiError> {
    set_banned(state, user, path, true).await
}

pub(crate) async fn unban(
    state: State<AppState>,
    user: AuthUser,
    path: ApiPath<u64>,
) -> Result<StatusCode, ApiError> {
    set_banned(state, user, path, false).await
}

async fn set_banned(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(target): ApiPath<u64>,
    banned: bool,
) -> Result<StatusCode, ApiError> {
    require_admin(&user)?;
    if target == user.id.0 {
        return Err(ApiError::Invalid {
            code: "cannot_ban_self",
            message: "admins cannot ban themselves",
        });
    }
    state.store.set_banned(UserId(target), banned).await?;
    if banned {
        state.rooms.expel_everywhere(UserId(target)).await;
    }
    tracing::info!(admin = %user.id, target, banned, "account ban changed");
    Ok(StatusCode::NO_CONTENT)
}
