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
    #[error("segment {segment} of stream {stream} is not available")]
    SegmentNotFound { stream: String, segment: String },
    #[error("no such route")]
    RouteNotFound,
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
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::StreamNotFound(_) => (StatusCode::NOT_FOUND, "stream_not_found"),
            ApiError::SegmentNotFound { .. } => (StatusCode::NOT_FOUND, "segment_not_found"),
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "not_found"),
        }
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
