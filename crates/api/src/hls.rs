//! `GET /hls/{stream}/index.m3u8` and `GET /hls/{stream}/{seq}.ts`, served
//! from memory.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use live::Live;

use serde::Deserialize;

use crate::json::ApiQuery;
use crate::path::ApiPath;
use crate::{ApiError, AppState};

/// Live streams as HLS.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/hls/{stream}/{file}", get(file))
}

const PLAYLIST: &str = "index.m3u8";

#[derive(Debug, Deserialize)]
pub(crate) struct PlayQuery {
    #[serde(default)]
    token: Option<String>,
}

pub(crate) async fn file(
    State(live): State<Arc<Live>>,
    ApiPath((stream, file)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<PlayQuery>,
) -> Result<Response, ApiError> {
    let token = query.token.as_deref().filter(|t| !t.is_empty());
    if !live.keys.may_play(&stream, token).await {
        return Err(ApiError::PlayTokenRequired);
    }
    if file == PLAYLIST {
        let playlist = live
            .hls
            .playlist(&stream)
            .ok_or(ApiError::StreamNotFound(stream))?;
        let playlist = match token {
            Some(token) => with_token(&playlist, token),
            None => playlist,
        };
        return Ok(reply(playlist, "application/vnd.apple.mpegurl", "no-cache"));
    }
    let segment = file
        .strip_suffix(".ts")
        .and_then(|seq| seq.parse::<u64>().ok())
        .and_then(|seq| live.hls.segment(&stream, seq))
        .ok_or(ApiError::SegmentNotFound {
            stream,
            segment: file,
        })?;
    Ok(reply(segment, "video/mp2t", "max-age=60"))
}

/// The playlist with the token on every segment URI, so that players
/// fetching segments show it too.
fn with_token(playlist: &[u8], token: &str) -> Bytes {
    let text = String::from_utf8_lossy(playlist);
    let mut out = String::with_capacity(text.len() + 64 * 8);
    for line in text.lines() {
        out.push_str(line);
        if !line.is_empty() && !line.starts_with('#') {
            out.push_str("?token=");
            out.push_str(token);
        }
        out.push('\n');
    }
    Bytes::from(out)
}

fn reply(body: Bytes, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
