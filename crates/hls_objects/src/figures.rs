//! What the uploader did, for `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of uploads and deletes since start.
#[derive(Debug, Default)]
pub struct Figures {
    uploads: AtomicU64,
    upload_bytes: AtomicU64,
    upload_failures: AtomicU64,
    /// Segments not queued: their stream's queue was full.
    dropped: AtomicU64,
    deletes: AtomicU64,
    delete_failures: AtomicU64,
}

impl Figures {
    pub(crate) fn uploaded(&self, bytes: usize) {
        self.uploads.fetch_add(1, Ordering::Relaxed);
        self.upload_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn upload_failed(&self) {
        self.upload_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn deleted(&self) {
        self.deletes.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn delete_failed(&self) {
        self.delete_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Segments uploaded since start.
    pub fn uploads(&self) -> u64 {
        self.uploads.load(Ordering::Relaxed)
    }

    /// Uploads that failed after their retries.
    pub fn upload_failures(&self) -> u64 {
        self.upload_failures.load(Ordering::Relaxed)
    }

    /// Prometheus text exposition of every counter.
    pub fn render(&self, healthy: bool) -> String {
        let mut text = String::new();
        let counters = [
            (
                "uploads",
                "Segments uploaded to object storage.",
                &self.uploads,
            ),
            (
                "upload_bytes",
                "Bytes of segments uploaded to object storage.",
                &self.upload_bytes,
            ),
            (
                "upload_failures",
                "Segment uploads that failed after retries (served from the replica).",
                &self.upload_failures,
            ),
            (
                "upload_dropped",
                "Segments not uploaded because their stream's queue was full.",
                &self.dropped,
            ),
            (
                "deletes",
                "Objects deleted after their stream's grace period.",
                &self.deletes,
            ),
            (
                "delete_failures",
                "Object deletes that failed.",
                &self.delete_failures,
            ),
        ];
        for (name, help, value) in counters {
            let name = format!("synctv_hls_object_{name}_total");
            let _ = writeln!(text, "# HELP {name} {help}");
            let _ = writeln!(text, "# TYPE {name} counter");
            let _ = writeln!(text, "{name} {}", value.load(Ordering::Relaxed));
        }
        let name = "synctv_hls_object_store_up";
        let _ = writeln!(
            text,
            "# HELP {name} 1 while the last upload succeeded (playlists name store URLs)."
        );
        let _ = writeln!(text, "# TYPE {name} gauge");
        let _ = writeln!(text, "{name} {}", u8::from(healthy));
        text
    }
}
