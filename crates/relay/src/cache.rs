//! HLS files fetched from an owner, kept for a while: segments 60 s (they
//! never change), playlists under a second (they move every segment).
//! Pure: time is a parameter.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// How long a fetched segment is served from the cache.
pub const SEGMENT_TTL: Duration = Duration::from_secs(60);
/// How long a fetched playlist is served from the cache.
pub const PLAYLIST_TTL: Duration = Duration::from_millis(800);
/// Entries past which expired ones are swept on insert.
const SWEEP_AT: usize = 256;

/// Fetched files by (stream, file name).
#[derive(Debug, Default)]
pub struct HlsCache {
    files: HashMap<(String, String), (Instant, Bytes)>,
}

impl HlsCache {
    pub fn new() -> HlsCache {
        HlsCache::default()
    }

    /// The cached file, if it is still fresh at `now`.
    pub fn lookup(&self, stream: &str, file: &str, now: Instant) -> Option<Bytes> {
        let key = (stream.to_owned(), file.to_owned());
        let (expires, body) = self.files.get(&key)?;
        (*expires > now).then(|| body.clone())
    }

    /// Keeps `body` for as long as its kind allows.
    pub fn handle_fetched(&mut self, stream: &str, file: &str, body: Bytes, now: Instant) {
        if self.files.len() >= SWEEP_AT {
            self.files.retain(|_, (expires, _)| *expires > now);
        }
        let ttl = if file.ends_with(".m3u8") {
            PLAYLIST_TTL
        } else {
            SEGMENT_TTL
        };
        let key = (stream.to_owned(), file.to_owned());
        self.files.insert(key, (now + ttl, body));
    }

    /// Forgets every file of `stream` (it ended).
    pub fn forget(&mut self, stream: &str) {
        self.files.retain(|(s, _), _| s != stream);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlists_expire_within_a_second_and_segments_after_a_minute() {
        let mut cache = HlsCache::new();
        let t0 = Instant::now();
        cache.handle_fetched("s", "index.m3u8", Bytes::from_static(b"#EXTM3U"), t0);
        cache.handle_fetched("s", "3.ts", Bytes::from_static(b"ts"), t0);
        let soon = t0 + Duration::from_millis(500);
        assert!(cache.lookup("s", "index.m3u8", soon).is_some());
        let later = t0 + Duration::from_secs(1);
        assert!(cache.lookup("s", "index.m3u8", later).is_none());
        assert_eq!(
            cache.lookup("s", "3.ts", later).as_deref(),
            Some(&b"ts"[..])
        );
        assert!(cache.lookup("s", "3.ts", t0 + SEGMENT_TTL).is_none());
    }

    #[test]
    fn expired_entries_are_swept_and_ended_streams_forgotten() {
        let mut cache = HlsCache::new();
        let t0 = Instant::now();
        for n in 0..SWEEP_AT {
            cache.handle_fetched("s", &format!("{n}.ts"), Bytes::new(), t0);
        }
        cache.handle_fetched("t", "0.ts", Bytes::new(), t0 + SEGMENT_TTL);
        assert_eq!(cache.len(), 1, "the expired segments were swept");
        cache.forget("t");
        assert!(cache.is_empty());
    }
}
