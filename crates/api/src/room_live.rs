//! A room's live stream over HTTP: the publish URL and key (for members
//! allowed to go live), key rotation, and the play URLs (with a play token
//! when the room has a password). In cluster mode the publish URL names one
//! live replica, chosen per room by rendezvous hashing.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Json;
use axum::Router;
use room::Permissions;
use serde::Serialize;
use store::{RoomId, StreamKeyRepo};

use crate::auth::{now_ms, AuthUser};
use crate::path::ApiPath;
use crate::room_routes::{member_of, room_id};
use crate::{rendezvous, ApiError, AppState};

/// A room's live stream.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{id}/live/publish-url", get(publish_url))
        .route("/api/v1/rooms/{id}/live/play-url", get(play_url))
        .route("/api/v1/rooms/{id}/live/key/rotate", post(rotate_key))
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
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Json<PublishUrl>, ApiError> {
    let id = room_id(&id)?;
    may_go_live(&state, &id, user.id).await?;
    let key = state.store.stream_key(&id).await?;
    let host = publish_host(&state, &headers, &id).await;
    Ok(Json(PublishUrl::new(host, key.as_str())))
}

pub(crate) async fn rotate_key(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Json<PublishUrl>, ApiError> {
    let id = room_id(&id)?;
    may_go_live(&state, &id, user.id).await?;
    let key = state.store.rotate_stream_key(&id, now_ms()).await?;
    tracing::info!(room = id.as_str(), user = %user.id, "stream key rotated");
    let host = publish_host(&state, &headers, &id).await;
    Ok(Json(PublishUrl::new(host, key.as_str())))
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
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> Result<Json<PlayUrls>, ApiError> {
    let id = room_id(&id)?;
    let private = member_of(&state, &id, &user, |room, _| room.settings().has_password).await?;
    let expires_at_ms = now_ms() + rooms::TOKEN_TTL_MS;
    let token = match (&state.play_tokens, private) {
        (Some(tokens), true) => Some(tokens.issue(id.as_str(), expires_at_ms)),
        _ => None,
    };
    let query = token
        .as_ref()
        .map_or(String::new(), |token| format!("?token={token}"));
    let http = caller_host(&headers).unwrap_or("localhost");
    let scheme = caller_scheme(&headers);
    let rtmp = PublishUrl::new(rtmp_host(&state, &headers), id.as_str()).url;
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

impl PublishUrl {
    fn new(host: String, key: &str) -> PublishUrl {
        let server = format!("rtmp://{host}/{}", live::APP);
        PublishUrl {
            url: format!("{server}/{key}"),
            server,
            key: key.to_owned(),
        }
    }
}

/// Where the room's publisher pushes: the configured public RTMP host; in
/// cluster mode the advertised RTMP address of the live replica the room
/// hashes to; else (standalone, or no node listed) [`rtmp_host`].
async fn publish_host(state: &AppState, headers: &HeaderMap, room: &RoomId) -> String {
    if let Some(host) = &state.public_rtmp_host {
        return host.clone();
    }
    if state.cluster.is_distributed() {
        match state.cluster.nodes.live_nodes().await {
            Ok(nodes) => {
                if let Some(node) = rendezvous::pick(room.as_str(), &nodes) {
                    return node.rtmp_addr.clone();
                }
            }
            Err(e) => tracing::warn!("cannot list the nodes for a publish URL: {e}"),
        }
    }
    rtmp_host(state, headers)
}

/// The RTMP host is the configured public one, or the host the caller used
/// to reach this server (so a remote browser never gets 127.0.0.1).
fn rtmp_host(state: &AppState, headers: &HeaderMap) -> String {
    state.public_rtmp_host.clone().unwrap_or_else(|| {
        let host = strip_port(caller_host(headers).unwrap_or("localhost"));
        format!("{host}:{}", state.rtmp_port)
    })
}

/// The scheme the caller used: `https` when a reverse proxy says so in
/// `X-Forwarded-Proto`, else `http`.
pub(crate) fn caller_scheme(headers: &HeaderMap) -> &'static str {
    match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    }
}

/// The host the caller reached: a reverse proxy's `X-Forwarded-Host` or
/// `Forwarded: host=` (its first hop), else `Host` (docs/decisions.md).
pub(crate) fn caller_host(headers: &HeaderMap) -> Option<&str> {
    let value_of = |name| headers.get(name).and_then(|h| h.to_str().ok());
    let forwarded = value_of("x-forwarded-host")
        .and_then(|value| value.split(',').next())
        .or_else(|| value_of("forwarded").and_then(forwarded_host));
    forwarded
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .or_else(|| value_of("host"))
}

/// The `host=` of the first element of a `Forwarded` header (RFC 7239).
fn forwarded_host(value: &str) -> Option<&str> {
    let first = value.split(',').next()?;
    first.split(';').find_map(|pair| {
        let (name, host) = pair.trim().split_once('=')?;
        name.eq_ignore_ascii_case("host")
            .then(|| host.trim_matches('"'))
    })
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
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

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_proxy_s_forwarded_host_wins_over_its_own_host_header() {
        let proxied = headers(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "tv.example.org, inner.lan"),
        ]);
        assert_eq!(caller_host(&proxied), Some("tv.example.org"));
        let rfc = headers(&[
            ("host", "127.0.0.1:8080"),
            (
                "forwarded",
                r#"for=1.2.3.4;Host="tv.example.org:443", host=b"#,
            ),
        ]);
        assert_eq!(caller_host(&rfc), Some("tv.example.org:443"));
        let empty = headers(&[("host", "a.example"), ("x-forwarded-host", " ")]);
        assert_eq!(caller_host(&empty), Some("a.example"));
        let direct = headers(&[("host", "a.example"), ("forwarded", "for=1.2.3.4")]);
        assert_eq!(caller_host(&direct), Some("a.example"));
        assert_eq!(caller_host(&HeaderMap::new()), None);
    }
}
