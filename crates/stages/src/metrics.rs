//! Figures of stages and viewer accounting for `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A counter that only grows.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn read(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What this node's stages report.
#[derive(Debug, Default)]
pub struct StageMetrics {
    /// Stages opened because every other stage was full.
    pub scale_ups: Counter,
    /// Replications turned on by hand.
    pub replications: Counter,
    /// Pulls started here for stages opened by scale-up (automatic).
    pub auto_replications: Counter,
    /// Viewer heartbeats received here.
    pub heartbeats: Counter,
    /// Snapshot writes to SQL.
    pub snapshot_writes: Counter,
    /// Watch-session batch writes to SQL.
    pub batch_writes: Counter,
    /// Viewers of this node's stages: room → stage → count.
    viewers: Mutex<BTreeMap<String, BTreeMap<String, u64>>>,
}

impl StageMetrics {
    /// The viewers of this node's stages of `room` now (none: forgotten).
    pub(crate) fn set_room(&self, room: &str, stages: BTreeMap<String, u64>) {
        let mut viewers = self.viewers.lock().unwrap_or_else(|e| e.into_inner());
        if stages.is_empty() {
            viewers.remove(room);
        } else {
            viewers.insert(room.to_owned(), stages);
        }
    }

    /// The Prometheus text of every figure.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let viewers = self.viewers.lock().unwrap_or_else(|e| e.into_inner());
        let open: usize = viewers.values().map(BTreeMap::len).sum();
        let _ = writeln!(
            out,
            "# TYPE synctv_stages_open gauge\nsynctv_stages_open {open}"
        );
        let _ = writeln!(out, "# TYPE synctv_stage_viewers gauge");
        for (room, stages) in viewers.iter() {
            for (stage, n) in stages {
                let _ = writeln!(
                    out,
                    "synctv_stage_viewers{{room=\"{room}\",stage=\"{stage}\"}} {n}"
                );
            }
        }
        let _ = writeln!(out, "# TYPE synctv_room_stage_viewers gauge");
        for (room, stages) in viewers.iter() {
            let total: u64 = stages.values().sum();
            let _ = writeln!(out, "synctv_room_stage_viewers{{room=\"{room}\"}} {total}");
        }
        let counters = [
            ("synctv_stage_scale_ups_total", &self.scale_ups),
            ("synctv_stage_replications_total", &self.replications),
            (
                "synctv_stage_auto_replications_total",
                &self.auto_replications,
            ),
            ("synctv_viewer_heartbeats_total", &self.heartbeats),
            ("synctv_viewer_snapshot_writes_total", &self.snapshot_writes),
            ("synctv_watch_session_batches_total", &self.batch_writes),
        ];
        for (name, counter) in counters {
            let _ = writeln!(out, "# TYPE {name} counter\n{name} {}", counter.read());
        }
        out
    }
}
