//! `GET /hls/{stream}/index.m3u8` and `GET /hls/{stream}/{seq}.ts`, served
//! from memory.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use live::Live;

use crate::ApiError;

const PLAYLIST: &str = "index.m3u8";

pub(crate) async fn file(
    State(live): State<Arc<Live>>,
    Path((stream, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if file == PLAYLIST {
        let playlist = live
            .hls
            .playlist(&stream)
            .ok_or(ApiError::StreamNotFound(stream))?;
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

fn reply(body: Bytes, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
