//! Which segments of which stream runs are in the store, and the playlist
//! rewrite that names them there.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use bytes::Bytes;

/// Uploaded segments remembered per run: enough for any playlist window.
const REMEMBERED: usize = 1024;

/// One stream run's objects.
#[derive(Debug)]
struct RunObjects {
    run: u64,
    /// The run's folder under the prefix (`{stream}/{dir}`).
    folder: String,
    uploaded: BTreeSet<u64>,
}

/// Uploaded segments by stream, and whether the store works.
#[derive(Debug)]
pub(crate) struct Registry {
    runs: RwLock<HashMap<String, RunObjects>>,
    healthy: AtomicBool,
    /// `{base URL}/{prefix}`: what every store URL starts with.
    url_base: String,
}

impl Registry {
    pub(crate) fn new(url_base: String) -> Registry {
        Registry {
            runs: RwLock::default(),
            healthy: AtomicBool::new(true),
            url_base,
        }
    }

    /// Run `run` of `stream` keeps its objects in `folder` (replacing the
    /// stream's previous run, whose playlist is gone).
    pub(crate) fn begin(&self, stream: &str, run: u64, folder: String) {
        let mut runs = self.runs.write().unwrap_or_else(|e| e.into_inner());
        let objects = RunObjects {
            run,
            folder,
            uploaded: BTreeSet::new(),
        };
        runs.insert(stream.to_owned(), objects);
    }

    /// Segment `seq` of the run is in the store.
    pub(crate) fn mark_uploaded(&self, stream: &str, run: u64, seq: u64) {
        self.healthy.store(true, Ordering::Relaxed);
        let mut runs = self.runs.write().unwrap_or_else(|e| e.into_inner());
        let Some(objects) = runs.get_mut(stream).filter(|o| o.run == run) else {
            return;
        };
        objects.uploaded.insert(seq);
        while objects.uploaded.len() > REMEMBERED {
            objects.uploaded.pop_first();
        }
    }

    /// An upload failed: the store may be down.
    pub(crate) fn mark_failed(&self) {
        self.healthy.store(false, Ordering::Relaxed);
    }

    pub(crate) fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// The run's objects are about to be deleted: name none of them.
    pub(crate) fn forget(&self, stream: &str, run: u64) {
        let mut runs = self.runs.write().unwrap_or_else(|e| e.into_inner());
        if runs.get(stream).is_some_and(|o| o.run == run) {
            runs.remove(stream);
        }
    }

    /// The playlist with store URLs for the uploaded segments of the run,
    /// or `None` when it names none (store down, nothing uploaded yet).
    pub(crate) fn rewrite(&self, stream: &str, run: u64, playlist: &[u8]) -> Option<Bytes> {
        if !self.is_healthy() {
            return None;
        }
        let runs = self.runs.read().unwrap_or_else(|e| e.into_inner());
        let objects = runs.get(stream).filter(|o| o.run == run)?;
        if objects.uploaded.is_empty() {
            return None;
        }
        let prefix = format!("{}/{}/", self.url_base, objects.folder);
        let text = std::str::from_utf8(playlist).ok()?;
        Some(Bytes::from(rewrite_lines(text, &prefix, |seq| {
            objects.uploaded.contains(&seq)
        })))
    }
}

/// `text` with every `{seq}.ts` line for which `stored(seq)` holds turned
/// into `{prefix}{seq}.ts`.
fn rewrite_lines(text: &str, prefix: &str, stored: impl Fn(u64) -> bool) -> String {
    let mut out = String::with_capacity(text.len() + 16 * prefix.len());
    for line in text.lines() {
        let seq = line.strip_suffix(".ts").and_then(|n| n.parse::<u64>().ok());
        if seq.is_some_and(&stored) {
            out.push_str(prefix);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAYLIST: &str = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.000,\n4.ts\n\
                            #EXTINF:2.000,\n5.ts\n#EXTINF:2.000,\n6.ts\n";

    fn text(bytes: Option<Bytes>) -> String {
        String::from_utf8(bytes.expect("a rewritten playlist").to_vec()).unwrap()
    }

    #[test]
    fn only_uploaded_segments_get_store_urls() {
        let registry = Registry::new("http://s3.local/bucket/hls".into());
        registry.begin("room", 7, "room/abc".into());
        assert_eq!(registry.rewrite("room", 7, PLAYLIST.as_bytes()), None);
        registry.mark_uploaded("room", 7, 4);
        registry.mark_uploaded("room", 7, 6);
        let out = text(registry.rewrite("room", 7, PLAYLIST.as_bytes()));
        assert!(
            out.contains("\nhttp://s3.local/bucket/hls/room/abc/4.ts\n"),
            "{out}"
        );
        assert!(out.contains("\n5.ts\n"), "{out}");
        assert!(
            out.contains("\nhttp://s3.local/bucket/hls/room/abc/6.ts\n"),
            "{out}"
        );
        assert!(out.starts_with("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:4\n"));
    }

    #[test]
    fn another_run_or_stream_is_not_rewritten() {
        let registry = Registry::new("http://s3.local/b/hls".into());
        registry.begin("room", 7, "room/abc".into());
        registry.mark_uploaded("room", 7, 4);
        assert_eq!(registry.rewrite("room", 8, PLAYLIST.as_bytes()), None);
        assert_eq!(registry.rewrite("other", 7, PLAYLIST.as_bytes()), None);
        registry.mark_uploaded("room", 8, 5);
        registry.begin("room", 8, "room/def".into());
        assert_eq!(registry.rewrite("room", 7, PLAYLIST.as_bytes()), None);
        registry.forget("room", 7);
        registry.mark_uploaded("room", 8, 5);
        assert!(text(registry.rewrite("room", 8, PLAYLIST.as_bytes())).contains("room/def/5.ts"));
        registry.forget("room", 8);
        assert_eq!(registry.rewrite("room", 8, PLAYLIST.as_bytes()), None);
    }

    #[test]
    fn a_failed_upload_names_every_segment_on_the_replica_until_one_succeeds() {
        let registry = Registry::new("http://s3.local/b/hls".into());
        registry.begin("room", 1, "room/x".into());
        registry.mark_uploaded("room", 1, 4);
        registry.mark_failed();
        assert_eq!(registry.rewrite("room", 1, PLAYLIST.as_bytes()), None);
        registry.mark_uploaded("room", 1, 5);
        let out = text(registry.rewrite("room", 1, PLAYLIST.as_bytes()));
        assert!(
            out.contains("room/x/4.ts") && out.contains("room/x/5.ts"),
            "{out}"
        );
    }

    #[test]
    fn remembered_segments_stay_bounded() {
        let registry = Registry::new("http://s/b/p".into());
        registry.begin("s", 1, "s/r".into());
        for seq in 0..(REMEMBERED as u64 + 10) {
            registry.mark_uploaded("s", 1, seq);
        }
        let runs = registry.runs.read().unwrap();
        let uploaded = &runs["s"].uploaded;
        assert_eq!(uploaded.len(), REMEMBERED);
        assert_eq!(uploaded.first(), Some(&10));
    }
}
