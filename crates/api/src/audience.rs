//! Who is connected here, for this node's load: room members on realtime
//! connections, and HLS viewers.
//!
//! An HLS viewer holds no connection, so it is counted as a distinct
//! (stream, client address) that fetched the stream's playlist with success
//! in the last 30 s (a player refetches it every target duration, 2 s by
//! default). Viewers behind one NAT or proxy address count once per stream.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::now_ms;
use crate::client_addr::ClientIp;
use crate::AppState;

/// How long a playlist fetch keeps its client counted.
pub(crate) const HLS_WINDOW_MS: i64 = 30_000;
/// Most (stream, client) pairs tracked; past that, new ones are not counted.
const MAX_HLS_CLIENTS: usize = 200_000;

/// The counts this node reports.
#[derive(Debug, Default)]
pub(crate) struct Audience {
    members: AtomicU64,
    hls: Mutex<HashMap<(String, IpAddr), i64>>,
}

/// Counts one realtime connection of a room member while it lives.
#[derive(Debug)]
pub(crate) struct Online(Arc<Audience>);

impl Drop for Online {
    fn drop(&mut self) {
        self.0.members.fetch_sub(1, Ordering::Relaxed);
    }
}

/// This node's audience at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AudienceCounts {
    /// Members joined to a room over WebSocket or gRPC here.
    pub room_members: u64,
    /// Distinct clients that fetched an HLS playlist here lately.
    pub hls_viewers: u64,
}

impl Audience {
    /// Counts a member's connection until the returned guard is dropped.
    pub(crate) fn member_online(self: &Arc<Self>) -> Online {
        self.members.fetch_add(1, Ordering::Relaxed);
        Online(self.clone())
    }

    /// Notes that `client` fetched `stream`'s playlist at `now_ms`.
    pub(crate) fn handle_playlist(&self, stream: &str, client: IpAddr, now_ms: i64) {
        let mut hls = self.hls.lock().unwrap_or_else(|e| e.into_inner());
        if hls.len() >= MAX_HLS_CLIENTS {
            hls.retain(|_, seen| now_ms - *seen < HLS_WINDOW_MS);
        }
        let key = (stream.to_owned(), client);
        if hls.len() < MAX_HLS_CLIENTS || hls.contains_key(&key) {
            hls.insert(key, now_ms);
        }
    }

    /// The counts at `now_ms`; HLS clients not seen within the window are
    /// forgotten.
    pub(crate) fn counts(&self, now_ms: i64) -> AudienceCounts {
        let mut hls = self.hls.lock().unwrap_or_else(|e| e.into_inner());
        hls.retain(|_, seen| now_ms - *seen < HLS_WINDOW_MS);
        AudienceCounts {
            room_members: self.members.load(Ordering::Relaxed),
            hls_viewers: hls.len() as u64,
        }
    }
}

/// Middleware: counts the client of each successful HLS playlist fetch.
pub(crate) async fn count_hls(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let stream = playlist_stream(request.uri().path()).map(str::to_owned);
    let client = request.extensions().get::<ClientIp>().copied();
    let response = next.run(request).await;
    if let (Some(stream), Some(ClientIp(client))) = (stream, client) {
        if response.status().is_success() {
            state.audience.handle_playlist(&stream, client, now_ms());
        }
    }
    response
}

/// `S` of `/hls/S/index.m3u8`.
fn playlist_stream(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/hls/")?;
    let (stream, file) = rest.split_once('/')?;
    (file == "index.m3u8" && !stream.is_empty()).then_some(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn an_hls_client_counts_once_per_stream_until_it_stops_fetching() {
        let audience = Audience::default();
        audience.handle_playlist("a", ip(1), 0);
        audience.handle_playlist("a", ip(1), 2_000);
        audience.handle_playlist("a", ip(2), 2_000);
        audience.handle_playlist("b", ip(1), 4_000);
        assert_eq!(audience.counts(5_000).hls_viewers, 3);
        assert_eq!(audience.counts(2_000 + HLS_WINDOW_MS).hls_viewers, 1);
        assert_eq!(audience.counts(4_000 + HLS_WINDOW_MS).hls_viewers, 0);
    }

    #[test]
    fn a_member_counts_while_its_connection_lives() {
        let audience = Arc::new(Audience::default());
        let first = audience.member_online();
        let second = audience.member_online();
        assert_eq!(audience.counts(0).room_members, 2);
        drop(first);
        assert_eq!(audience.counts(0).room_members, 1);
        drop(second);
        assert_eq!(audience.counts(0).room_members, 0);
    }

    #[test]
    fn only_playlist_paths_name_a_stream() {
        assert_eq!(playlist_stream("/hls/room1/index.m3u8"), Some("room1"));
        assert_eq!(playlist_stream("/hls/room1/3.ts"), None);
        assert_eq!(playlist_stream("/hls//index.m3u8"), None);
        assert_eq!(playlist_stream("/api/v1/streams"), None);
    }
}
