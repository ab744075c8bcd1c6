use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use thiserror::Error;

/// Every error the HTTP API answers with. Mapped to a status and a JSON body
/// here and nowhere else.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error("stream {0} is not live")]
    StreamNotFound(String),
    /// The stream's owner died or is gone (cluster mode).
    #[error("stream {0} ended")]
    StreamEnded(String),
    #[error("segment {segment} of stream {stream} is not available")]
    SegmentNotFound { stream: String, segment: String },
    #[error("no such route")]
    RouteNotFound,
    /// A path segment that names nothing: not UTF-8 once decoded, or not
    /// a number where an id is one.
    #[error("no {} has this name or id", .0.as_str())]
    NoSuch(crate::PathSegment),
    #[error("{message}")]
    Invalid {
        code: &'static str,
        message: &'static str,
    },
    #[error("bad request: {0}")]
    BadBody(String),
    #[error("request body too large")]
    TooLarge,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("this account is banned")]
    Banned,
    #[error("sign in first")]
    Unauthenticated,
    #[error("too many attempts; retry in {retry_after_ms} ms")]
    RateLimited { retry_after_ms: i64 },
    #[error("{} not found", .0.as_str())]
    NotFound(store::Entity),
    #[error("{} already exists", .0.as_str())]
    Conflict(store::Entity),
    #[error("the service is unavailable; retry later")]
    Unavailable,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("this stream needs a valid play token (from the room's play URL)")]
    PlayTokenRequired,
    #[error("{0}")]
    Room(#[from] room::RoomError),
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> ApiError {
        match error {
            store::StoreError::NotFound { what } => ApiError::NotFound(what),
            store::StoreError::Conflict { what } => ApiError::Conflict(what),
            other => {
                tracing::error!("storage failed: {other}");
                ApiError::Unavailable
            }
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
}

impl ApiError {
    /// The machine-readable code, as in the JSON body.
    pub(crate) fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::StreamNotFound(_) => (StatusCode::NOT_FOUND, "stream_not_found"),
            ApiError::StreamEnded(_) => (StatusCode::NOT_FOUND, "stream_ended"),
            ApiError::SegmentNotFound { .. } => (StatusCode::NOT_FOUND, "segment_not_found"),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NoSuch(segment) => (StatusCode::NOT_FOUND, no_such_code(*segment)),
            ApiError::Invalid { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::BadBody(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::Banned => (StatusCode::FORBIDDEN, "banned"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, not_found_code(*what)),
            ApiError::Conflict(what) => (StatusCode::CONFLICT, taken_code(*what)),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "permission_denied"),
            ApiError::PlayTokenRequired => (StatusCode::FORBIDDEN, "play_token_required"),
            ApiError::Room(e) => (room_status(e), e.code()),
        }
    }
}

/// The status of a room's refusal.
fn room_status(error: &room::RoomError) -> StatusCode {
    use room::RoomError as E;
    match error {
        E::NotAMember
        | E::Banned
        | E::WrongPassword
        | E::GuestsNotAllowed
        | E::PermissionDenied { .. }
        | E::RoleRequired { .. }
        | E::SystemOnly
        | E::Outranked => StatusCode::FORBIDDEN,
        E::RoomClosed | E::MemberNotFound { .. } | E::ItemNotFound { .. } => StatusCode::NOT_FOUND,
        E::RoomFull { .. } | E::BanListFull { .. } | E::PlaylistFull { .. } => StatusCode::CONFLICT,
        E::RequestIdReused => StatusCode::CONFLICT,
        E::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn not_found_code(what: store::Entity) -> &'static str {
    match what {
        store::Entity::User => "user_not_found",
        store::Entity::Room => "room_not_found",
        store::Entity::Item => "item_not_found",
        store::Entity::Session => "unauthenticated",
        _ => "not_found",
    }
}

fn no_such_code(segment: crate::PathSegment) -> &'static str {
    use crate::PathSegment as S;
    match segment {
        S::Room => "room_not_found",
        S::Item => "item_not_found",
        S::User => "user_not_found",
        S::Stream => "stream_not_found",
        S::File => "segment_not_found",
    }
}

fn taken_code(what: store::Entity) -> &'static str {
    match what {
        store::Entity::User => "username_taken",
        _ => "conflict",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = Body {
            error: Detail {
                code,
                message: self.to_string(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}
