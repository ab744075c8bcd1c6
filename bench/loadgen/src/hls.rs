//! One HLS viewer: reload the media playlist as RFC 8216 §6.3.4 says (one
//! target duration after a change, half of one otherwise), start a few
//! segments behind the live edge, download every new segment in order over
//! one keep-alive connection.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::http::{BodyEnd, HttpConn};
use crate::net::Url;
use crate::ts::TsScanner;
use crate::viewer::{ErrorKind, Viewer, ViewerError};

const MAX_PLAYLIST: usize = 256 * 1024;
const MAX_PLAYLIST_FAILURES: u32 = 5;

#[derive(Debug, Default, PartialEq)]
pub struct Playlist {
    pub target: f64,
    pub sequence: u64,
    pub segments: Vec<String>,
    /// First variant of a master playlist.
    pub variant: Option<String>,
}

impl Playlist {
    pub fn parse(text: &str) -> Playlist {
        let mut p = Playlist {
            target: 2.0,
            ..Playlist::default()
        };
        let mut next_is_variant = false;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(v) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
                p.target = v.trim().parse().unwrap_or(2.0);
            } else if let Some(v) = line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:") {
                p.sequence = v.trim().parse().unwrap_or(0);
            } else if line.starts_with("#EXT-X-STREAM-INF") {
                next_is_variant = true;
            } else if !line.starts_with('#') {
                if next_is_variant {
                    p.variant.get_or_insert_with(|| line.to_string());
                } else {
                    p.segments.push(line.to_string());
                }
                next_is_variant = false;
            }
        }
        p.target = p.target.clamp(0.5, 20.0);
        p
    }
}

/// Resolve a playlist URI against the playlist's path (same host only).
fn resolve(base_path: &str, uri: &str) -> Result<String, ViewerError> {
    if let Some(rest) = uri.strip_prefix("http://") {
        let i = rest.find('/').unwrap_or(rest.len());
        return Ok(if i == rest.len() { "/".into() } else { rest[i..].to_string() });
    }
    if uri.starts_with('/') {
        return Ok(uri.to_string());
    }
    if uri.contains("://") {
        return Err(ViewerError::new(ErrorKind::Protocol, format!("unsupported URI {uri}")));
    }
    let base = base_path.split('?').next().unwrap_or_default();
    let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
    Ok(format!("{dir}{uri}"))
}

struct Client {
    addr: SocketAddr,
    authority: String,
    conn: Option<HttpConn>,
}

enum Fetch {
    Done(u16),
    Deadline,
}

impl Client {
    /// GET `path`, reconnecting once if a kept-alive connection was closed.
    async fn fetch(
        &mut self,
        path: &str,
        v: &mut Viewer,
        mut sink: impl FnMut(&mut Viewer, &[u8]) -> Result<(), ViewerError>,
    ) -> Result<Fetch, ViewerError> {
        for attempt in 0..2 {
            let fresh = self.conn.is_none();
            if fresh {
                self.conn = Some(HttpConn::open(self.addr, self.authority.clone(), v).await?);
            }
            let Some(conn) = self.conn.as_mut() else { continue };
            let head = match conn.get(path, v).await {
                Ok(Some(head)) => head,
                Ok(None) => {
                    self.conn = None;
                    return Ok(Fetch::Deadline);
                }
                Err(e) if !fresh && attempt == 0 && matches!(e.kind, ErrorKind::Closed | ErrorKind::Io) => {
                    self.conn = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let end = conn.body(head.body, v, |v, data, _| sink(v, data)).await;
            let reusable = conn.reusable();
            if !reusable || end.is_err() {
                self.conn = None;
            }
            return match end? {
                BodyEnd::Complete => Ok(Fetch::Done(head.status)),
                BodyEnd::Deadline => Ok(Fetch::Deadline),
            };
        }
        Err(ViewerError::new(ErrorKind::Closed, "connection closed twice"))
    }
}

pub async fn run(url: &Url, v: &mut Viewer) -> Result<(), ViewerError> {
    let addr = url.socket_addr().map_err(|e| ViewerError::new(ErrorKind::Connect, e))?;
    let mut client = Client {
        addr,
        authority: url.authority(),
        conn: None,
    };
    let mut playlist_path = url.path.clone();
    let mut next: Option<u64> = None;
    let mut failures = 0;
    let mut last_new = Instant::now();
    // Segments listed in the first playlist are fetched to catch up, not live.
    let mut catch_up_end: Option<u64> = None;
    while Instant::now() < v.deadline {
        let reload_at = Instant::now();
        let mut text = Vec::new();
        let status = match client
            .fetch(&playlist_path, v, |_, data| {
                if text.len() + data.len() > MAX_PLAYLIST {
                    return Err(ViewerError::new(ErrorKind::Protocol, "playlist too large"));
                }
                text.extend_from_slice(data);
                Ok(())
            })
            .await?
        {
            Fetch::Done(status) => status,
            Fetch::Deadline => return Ok(()),
        };
        let playlist = Playlist::parse(&String::from_utf8_lossy(&text));
        if status == 200 && !v.is_set_up() {
            v.handle_setup(Instant::now());
        }
        if let (200, Some(variant)) = (status, &playlist.variant) {
            playlist_path = resolve(&playlist_path, variant)?;
            continue;
        }
        if status != 200 || playlist.segments.is_empty() {
            // A missing or momentarily empty playlist: a player retries.
            failures += 1;
            v.handle_soft_error();
            if failures >= MAX_PLAYLIST_FAILURES && !v.has_keyframe() {
                let kind = if status != 200 { ErrorKind::HttpStatus } else { ErrorKind::Protocol };
                return Err(ViewerError::new(kind, format!("playlist: HTTP {status}, {} segments", playlist.segments.len())));
            }
            sleep_until(reload_at + secs(playlist.target / 2.0), v).await;
            continue;
        }
        failures = 0;
        let start = playlist.sequence;
        let first = *next.get_or_insert_with(|| {
            start + playlist.segments.len().saturating_sub(v.plan.hls_start_back.max(1)) as u64
        });
        if first < start {
            v.handle_skipped_segments((start - first) as u32);
        }
        let from = first.max(start);
        let live_from = *catch_up_end.get_or_insert(start + playlist.segments.len() as u64);
        let mut got_new = false;
        for (i, uri) in playlist.segments.iter().enumerate().skip((from - start) as usize) {
            let path = resolve(&playlist_path, uri)?;
            let live = start + i as u64 >= live_from;
            match segment(&mut client, &path, live, v).await? {
                None => return Ok(()),
                Some(ok) => {
                    got_new |= ok;
                    next = Some(start + i as u64 + 1);
                }
            }
        }
        let now = Instant::now();
        if got_new {
            last_new = now;
        } else if now.duration_since(last_new) > secs(3.0 * playlist.target) {
            // The live edge stopped moving.
            v.handle_soft_error();
            last_new = now;
        }
        let wait = if got_new { playlist.target } else { playlist.target / 2.0 };
        sleep_until(reload_at + secs(wait), v).await;
    }
    Ok(())
}

/// Download one segment. None: the deadline passed; Some(false): the
/// server refused it (counted as a soft error).
async fn segment(client: &mut Client, path: &str, live: bool, v: &mut Viewer) -> Result<Option<bool>, ViewerError> {
    let mut scan = TsScanner::new();
    let status = match client
        .fetch(path, v, |_, data| {
            scan.feed(data);
            Ok(())
        })
        .await?
    {
        Fetch::Done(status) => status,
        Fetch::Deadline => return Ok(None),
    };
    if status != 200 || scan.lost_sync {
        v.handle_soft_error();
        return Ok(Some(false));
    }
    let now = Instant::now();
    match scan.newest_video_ms {
        Some(ms) => {
            let ms = ms - v.plan.hls_pts_offset_ms as i64;
            v.handle_keyframe_with(ms, now, live);
        }
        None => v.handle_soft_error(),
    }
    Ok(Some(true))
}

async fn sleep_until(at: Instant, v: &Viewer) {
    tokio::time::sleep_until(at.min(v.deadline).into()).await;
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_playlists_give_window_and_target() {
        let p = Playlist::parse(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n#EXTINF:2.000,\n41.ts\n#EXTINF:2.0,\n42.ts\n",
        );
        assert_eq!((p.target, p.sequence, p.segments.len(), p.variant), (2.0, 41, 2, None));
    }

    #[test]
    fn master_playlists_name_their_first_variant() {
        let p = Playlist::parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhi.m3u8\n");
        assert_eq!(p.variant.as_deref(), Some("low/index.m3u8"));
    }

    #[test]
    fn uris_resolve_against_the_playlist() {
        assert_eq!(resolve("/hls/bench/index.m3u8", "seg-3.ts").unwrap(), "/hls/bench/seg-3.ts");
        assert_eq!(resolve("/a/b.m3u8?t=1", "/x/1.ts").unwrap(), "/x/1.ts");
        assert_eq!(resolve("/a/b.m3u8", "http://127.0.0.1:8081/c/2.ts").unwrap(), "/c/2.ts");
    }
}
