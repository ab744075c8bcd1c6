//! `GET /hls/{stream}/index.m3u8` and `GET /hls/{stream}/{seq}.ts`, served
//! from memory, or, in a cluster, fetched from the replica that owns the
//! stream when it is not live here.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use live::{Live, RemoteHls};

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
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = query.token.as_deref().filter(|t| !t.is_empty());
    if !from_replica(&live, &stream, &headers) {
        if !live.keys.may_play(&stream, token).await {
            return Err(ApiError::PlayTokenRequired);
        }
        if let Err(refused) = live.admit_viewer(&stream, token).await {
            return Err(ApiError::PlayRefused {
                code: refused.code,
                message: refused.message,
            });
        }
    }
    if ended_with_owner(&live, &stream) {
        return Err(ApiError::StreamEnded(stream));
    }
    if file == PLAYLIST {
        let playlist = match live.hls.playlist(&stream) {
            Some(playlist) => playlist,
            None => remote(&live, &stream, &file).await.map_err(|e| match e {
                Missing::NotFound => ApiError::StreamNotFound(stream.clone()),
                Missing::Other(e) => e,
            })?,
        };
        let playlist = match token {
            Some(token) => with_token(&playlist, token),
            None => playlist,
        };
        return Ok(reply(playlist, "application/vnd.apple.mpegurl", "no-cache"));
    }
    let local = file
        .strip_suffix(".ts")
        .and_then(|seq| seq.parse::<u64>().ok())
        .and_then(|seq| live.hls.segment(&stream, seq));
    let segment = match local {
        Some(segment) => segment,
        None => remote(&live, &stream, &file).await.map_err(|e| match e {
            Missing::NotFound => ApiError::SegmentNotFound {
                stream: stream.clone(),
                segment: file.clone(),
            },
            Missing::Other(e) => e,
        })?,
    };
    Ok(reply(segment, "video/mp2t", "max-age=60"))
}

/// Why a file is not served from another replica.
enum Missing {
    NotFound,
    Other(ApiError),
}

/// The file from the stream's owner, in a cluster.
async fn remote(live: &Live, stream: &str, file: &str) -> Result<Bytes, Missing> {
    let Some(replicas) = live.replicas() else {
        return Err(Missing::NotFound);
    };
    let valid = file == PLAYLIST
        || file
            .strip_suffix(".ts")
            .is_some_and(|seq| seq.parse::<u64>().is_ok());
    if !valid || !live::is_stream_name(stream) {
        return Err(Missing::NotFound);
    }
    match replicas.remote_hls(stream, file).await {
        RemoteHls::Found(body) => Ok(body),
        RemoteHls::NotLive | RemoteHls::Missing => Err(Missing::NotFound),
        RemoteHls::Ended => Err(Missing::Other(ApiError::StreamEnded(stream.to_owned()))),
        RemoteHls::Unavailable => Err(Missing::Other(ApiError::Unavailable)),
    }
}

/// Whether, in a cluster, the stream ended with its owner (it died).
fn ended_with_owner(live: &Live, stream: &str) -> bool {
    live.replicas()
        .is_some_and(|r| !live.hub.is_live(stream) && r.is_ended(stream))
}

/// Whether another replica asks (it checked the viewer's play token).
fn from_replica(live: &Live, stream: &str, headers: &HeaderMap) -> bool {
    let Some(replicas) = live.replicas() else {
        return false;
    };
    headers
        .get(live::RELAY_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| replicas.is_replica_request(stream, v))
}

/// The playlist with the token on every segment URI served here, so that
/// players fetching segments show it too. Segments in object storage (an
/// absolute URL) do not get it: the store does not check it, and the token
/// stays out of the store's and the CDN's logs.
fn with_token(playlist: &[u8], token: &str) -> Bytes {
    let text = String::from_utf8_lossy(playlist);
    let mut out = String::with_capacity(text.len() + 64 * 8);
    for line in text.lines() {
        out.push_str(line);
        if !line.is_empty() && !line.starts_with('#') && !line.contains("://") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_on_local_segments_only() {
        let playlist =
            b"#EXTM3U\n#EXTINF:2.000,\n4.ts\n#EXTINF:2.000,\nhttps://cdn.example/hls/s/r/5.ts\n";
        let out = with_token(playlist, "t0k");
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text.contains("\n4.ts?token=t0k\n"), "{text}");
        assert!(
            text.contains("\nhttps://cdn.example/hls/s/r/5.ts\n"),
            "{text}"
        );
        assert!(text.starts_with("#EXTM3U\n#EXTINF:2.000,\n"));
    }
}
