//! Accounts: register, login, logout, me. Sessions are random tokens kept
//! hashed in storage, sent as `Authorization: Bearer …` or the
//! `synctv_session` cookie (for the browser).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use store::{SessionRepo, SessionToken, TokenHash, User, UserRepo};

use crate::client_addr::ClientIp;
use crate::json::ApiJson;
use crate::{ApiError, AppState};

/// Accounts and sessions.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/register", post(register))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
}

pub(crate) const COOKIE: &str = "synctv_session";
const SESSION_DAYS: i64 = 30;

#[derive(Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

#[derive(Serialize)]
pub(crate) struct UserView {
    id: u64,
    username: String,
    is_admin: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> UserView {
        UserView {
            id: user.id.0,
            username: user.username.clone(),
            is_admin: user.is_admin,
        }
    }
}

#[derive(Serialize)]
struct LoggedIn {
    user: UserView,
    token: String,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) async fn register(
    State(state): State<AppState>,
    peer: Option<Extension<ClientIp>>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    limit(&state, peer)?;
    validate_username(&body.username)?;
    validate_password(&body.password)?;
    let hash = hash_password(body.password).await?;
    let user = state
        .store
        .create_user(&body.username, &hash, now_ms())
        .await?;
    tracing::info!(user = %user.id, admin = user.is_admin, "account registered");
    let (token, _) = start_session(&state, &user).await?;
    Ok(logged_in(StatusCode::CREATED, &user, token))
}

pub(crate) async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ClientIp>>,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    limit(&state, peer)?;
    let credentials = match state.store.credentials(&body.username).await {
        Ok(credentials) => credentials,
        Err(store::StoreError::NotFound { .. }) => return Err(ApiError::BadCredentials),
        Err(e) => return Err(e.into()),
    };
    let hash = credentials.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || store::password::verify(&body.password, &hash))
        .await
        .map_err(|_| ApiError::Unavailable)??;
    if !ok {
        return Err(ApiError::BadCredentials);
    }
    if credentials.user.banned {
        return Err(ApiError::Banned);
    }
    let (token, _) = start_session(&state, &credentials.user).await?;
    Ok(logged_in(StatusCode::OK, &credentials.user, token))
}

pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = token_from(&headers) {
        let _ = state.store.revoke_session(&TokenHash::of(token)).await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let clear = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

pub(crate) async fn me(AuthUser(user): AuthUser) -> Json<UserView> {
    Json(UserView::from(&user))
}

/// The account behind the request's session token; 401 without one.
#[derive(Debug)]
pub(crate) struct AuthUser(pub(crate) User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_from(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        session_user(state, token).await.map(AuthUser)
    }
}

/// The account of a session token; 401 when it is unknown or expired.
pub(crate) async fn session_user(state: &AppState, token: &str) -> Result<User, ApiError> {
    match state
        .store
        .authenticate(&TokenHash::of(token), now_ms())
        .await
    {
        Ok(session) if session.user.banned => Err(ApiError::Banned),
        Ok(session) => Ok(session.user),
        Err(store::StoreError::NotFound { .. }) => Err(ApiError::Unauthenticated),
        Err(e) => Err(e.into()),
    }
}

/// The session token of a request: the Bearer header, else the cookie.
pub(crate) fn token_from(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        return value.to_str().ok()?.strip_prefix("Bearer ").map(str::trim);
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Password attempts (login, register, room passwords): a burst, then a
/// steady pace per client address (the real client behind trusted proxies).
pub(crate) fn limit(state: &AppState, peer: Option<Extension<ClientIp>>) -> Result<(), ApiError> {
    let addr = peer.map(|Extension(ClientIp(addr))| addr);
    state.auth_limiter.take(addr, now_ms()).map_err(|wait_ms| {
        tracing::info!(client = ?addr, wait_ms, "password attempts rate limited");
        ApiError::RateLimited {
            retry_after_ms: wait_ms,
        }
    })
}

pub(crate) async fn hash_password(password: String) -> Result<String, ApiError> {
    let hash = tokio::task::spawn_blocking(move || store::password::hash(&password))
        .await
        .map_err(|_| ApiError::Unavailable)??;
    Ok(hash)
}

async fn start_session(state: &AppState, user: &User) -> Result<(SessionToken, i64), ApiError> {
    let token = SessionToken::generate()?;
    let now = now_ms();
    let expires = now + SESSION_DAYS * 24 * 3600 * 1000;
    state
        .store
        .create_session(user.id, &token.hash(), now, expires)
        .await?;
    Ok((token, expires))
}

fn logged_in(status: StatusCode, user: &User, token: SessionToken) -> Response {
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        token.as_str(),
        SESSION_DAYS * 24 * 3600
    );
    let body = LoggedIn {
        user: UserView::from(user),
        token: token.as_str().to_owned(),
    };
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn validate_username(name: &str) -> Result<(), ApiError> {
    let ok = (3..=32).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then_some(()).ok_or(ApiError::Invalid {
        code: "invalid_username",
        message: "a username is 3 to 32 letters, digits, '_', '-' or '.'",
    })
}

fn validate_password(password: &str) -> Result<(), ApiError> {
    (8..=128)
        .contains(&password.chars().count())
        .then_some(())
        .ok_or(ApiError::Invalid {
            code: "invalid_password",
            message: "a password is 8 to 128 characters",
        })
}
