use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rooms::Closing;
use serde::Serialize;
use thiserror::Error;

/// Every error the API answers with. Mapped to an HTTP status and a JSON
/// body, and to a gRPC status, here and nowhere else.
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
    /// A join kept meeting the room's actor as it stopped.
    #[error("the room is restarting; retry")]
    RoomRestarting,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("this stream needs a valid play token (from the room's play URL)")]
    PlayTokenRequired,
    /// The live engine's viewer hook refused the viewer (e.g. a play
    /// token bound to another replica's stage).
    #[error("{message}")]
    PlayRefused { code: &'static str, message: String },
    #[error("{0}")]
    Room(#[from] room::RoomError),
    /// Replication asked of a room whose publisher is not publishing.
    #[error("room {0} is not publishing")]
    NotPublishing(String),
    #[error("no such stage")]
    StageNotFound,
    /// A stage request that cannot apply as things are (e.g. stopping
    /// the owner's stage, or no free replica for a new stage).
    #[error("{0}")]
    StageConflict(&'static str),
}

impl ApiError {
    /// A stages failure of room `room`, as clients see it.
    pub(crate) fn from_stages(room: &str, error: stages::StagesError) -> ApiError {
        use stages::{PlanError as P, StagesError as E};
        match error {
            E::Plan(P::NotPublishing) => ApiError::NotPublishing(room.to_owned()),
            E::Plan(P::NoSuchStage) => ApiError::StageNotFound,
            E::Plan(P::OwnerStage) => {
                ApiError::StageConflict("the owner's stage carries the stream itself")
            }
            E::Plan(P::NoFreeNode) => {
                ApiError::StageConflict("every live replica already has a stage of this room")
            }
            E::Plan(P::NoNode) | E::Busy => ApiError::Unavailable,
            other => {
                tracing::warn!(room, "stages failed: {other}");
                ApiError::Unavailable
            }
        }
    }
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

impl From<rooms::RoomsError> for ApiError {
    fn from(error: rooms::RoomsError) -> ApiError {
        use rooms::RoomsError as E;
        match error {
            E::Room(e) => ApiError::Room(e),
            E::Store(e) => e.into(),
            E::Unavailable => ApiError::Unavailable,
            E::Restarting => ApiError::RoomRestarting,
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
        self.mapped().code
    }

    /// The gRPC status a stream is refused or ended with.
    pub(crate) fn grpc_status(&self) -> tonic::Status {
        tonic::Status::new(self.mapped().grpc, self.to_string())
    }

    /// Every variant's HTTP status, code and gRPC code: here and only here.
    fn mapped(&self) -> Mapped {
        use tonic::Code as G;
        let m = Mapped::new;
        match self {
            ApiError::StreamNotFound(_) => {
                m(StatusCode::NOT_FOUND, "stream_not_found", G::NotFound)
            }
            ApiError::StreamEnded(_) => m(StatusCode::NOT_FOUND, "stream_ended", G::NotFound),
            ApiError::SegmentNotFound { .. } => {
                m(StatusCode::NOT_FOUND, "segment_not_found", G::NotFound)
            }
            ApiError::RouteNotFound => m(StatusCode::NOT_FOUND, "not_found", G::Unimplemented),
            ApiError::NoSuch(segment) => {
                m(StatusCode::NOT_FOUND, no_such_code(*segment), G::NotFound)
            }
            ApiError::Invalid { code, .. } => m(StatusCode::BAD_REQUEST, code, G::InvalidArgument),
            ApiError::BadBody(_) => m(StatusCode::BAD_REQUEST, "bad_request", G::InvalidArgument),
            ApiError::TooLarge => m(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                G::ResourceExhausted,
            ),
            ApiError::BadCredentials => m(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                G::Unauthenticated,
            ),
            ApiError::Banned => m(StatusCode::FORBIDDEN, "banned", G::PermissionDenied),
            ApiError::Unauthenticated => m(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                G::Unauthenticated,
            ),
            ApiError::RateLimited { .. } => m(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                G::ResourceExhausted,
            ),
            ApiError::NotFound(what) => not_found(*what),
            ApiError::Conflict(what) => {
                m(StatusCode::CONFLICT, taken_code(*what), G::AlreadyExists)
            }
            ApiError::Unavailable | ApiError::RoomRestarting => m(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                G::Unavailable,
            ),
            ApiError::Forbidden(_) => m(
                StatusCode::FORBIDDEN,
                "permission_denied",
                G::PermissionDenied,
            ),
            ApiError::PlayTokenRequired => m(
                StatusCode::FORBIDDEN,
                "play_token_required",
                G::PermissionDenied,
            ),
            ApiError::PlayRefused { code, .. } => {
                m(StatusCode::FORBIDDEN, code, G::PermissionDenied)
            }
            ApiError::Room(e) => room_refusal(e),
            ApiError::NotPublishing(_) => m(
                StatusCode::CONFLICT,
                "not_publishing",
                G::FailedPrecondition,
            ),
            ApiError::StageNotFound => m(StatusCode::NOT_FOUND, "stage_not_found", G::NotFound),
            ApiError::StageConflict(_) => m(
                StatusCode::CONFLICT,
                "stage_conflict",
                G::FailedPrecondition,
            ),
        }
    }
}

/// What an error is, for each way of saying it.
struct Mapped {
    http: StatusCode,
    code: &'static str,
    grpc: tonic::Code,
}

impl Mapped {
    fn new(http: StatusCode, code: &'static str, grpc: tonic::Code) -> Mapped {
        Mapped { http, code, grpc }
    }
}

/// A room's refusal.
fn room_refusal(error: &room::RoomError) -> Mapped {
    use room::RoomError as E;
    use tonic::Code as G;
    let (http, grpc) = match error {
        E::NotAMember
        | E::Banned
        | E::WrongPassword
        | E::GuestsNotAllowed
        | E::PermissionDenied { .. }
        | E::RoleRequired { .. }
        | E::SystemOnly
        | E::Outranked => (StatusCode::FORBIDDEN, G::PermissionDenied),
        E::RoomClosed | E::MemberNotFound { .. } | E::ItemNotFound { .. } => {
            (StatusCode::NOT_FOUND, G::NotFound)
        }
        E::RoomFull { .. } | E::BanListFull { .. } | E::PlaylistFull { .. } => {
            (StatusCode::CONFLICT, G::ResourceExhausted)
        }
        E::RequestIdReused => (StatusCode::CONFLICT, G::AlreadyExists),
        E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, G::ResourceExhausted),
        _ => (StatusCode::BAD_REQUEST, G::InvalidArgument),
    };
    Mapped::new(http, error.code(), grpc)
}

/// The gRPC status a stream ends with when the room ends it.
pub(crate) fn closing_status(closing: Closing) -> tonic::Status {
    use tonic::Code as G;
    let grpc = match closing {
        Closing::Kicked | Closing::Banned => G::PermissionDenied,
        Closing::RoomClosed => G::NotFound,
        Closing::TooSlow | Closing::JoinRefused => G::Aborted,
    };
    let message = format!("{}: {}", closing.code(), closing.message());
    tonic::Status::new(grpc, message)
}

fn not_found(what: store::Entity) -> Mapped {
    let grpc = match what {
        store::Entity::Session => tonic::Code::Unauthenticated,
        _ => tonic::Code::NotFound,
    };
    Mapped::new(StatusCode::NOT_FOUND, not_found_code(what), grpc)
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
        let Mapped { http, code, .. } = self.mapped();
        let body = Body {
            error: Detail {
                code,
                message: self.to_string(),
            },
        };
        let mut response = (http, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    fn both(error: ApiError) -> (u16, Code) {
        (error.mapped().http.as_u16(), error.grpc_status().code())
    }

    #[test]
    fn a_rate_limit_is_429_and_resource_exhausted_never_unavailable() {
        let limited = ApiError::RateLimited {
            retry_after_ms: 500,
        };
        assert_eq!(both(limited), (429, Code::ResourceExhausted));
        let room_limited = room::RoomError::RateLimited { retry_after_ms: 5 };
        assert_eq!(
            both(ApiError::Room(room_limited)),
            (429, Code::ResourceExhausted)
        );
    }

    #[test]
    fn each_kind_of_error_keeps_its_meaning_over_grpc() {
        assert_eq!(both(ApiError::TooLarge), (413, Code::ResourceExhausted));
        assert_eq!(
            both(ApiError::Unauthenticated),
            (401, Code::Unauthenticated)
        );
        assert_eq!(both(ApiError::Banned), (403, Code::PermissionDenied));
        let room = ApiError::NotFound(store::Entity::Room);
        assert_eq!(both(room), (404, Code::NotFound));
        let session = ApiError::NotFound(store::Entity::Session);
        assert_eq!(both(session).1, Code::Unauthenticated);
        assert_eq!(both(ApiError::Unavailable), (503, Code::Unavailable));
        let bad = ApiError::BadBody("x".into());
        assert_eq!(both(bad), (400, Code::InvalidArgument));
    }

    #[test]
    fn a_closed_stream_says_why_in_its_status() {
        let kicked = closing_status(Closing::Kicked);
        assert_eq!(kicked.code(), Code::PermissionDenied);
        assert!(kicked.message().starts_with("kicked: "), "{kicked:?}");
        assert_eq!(closing_status(Closing::RoomClosed).code(), Code::NotFound);
        assert_eq!(closing_status(Closing::TooSlow).code(), Code::Aborted);
    }
}
