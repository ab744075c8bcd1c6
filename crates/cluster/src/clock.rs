//! Wall-clock milliseconds and a guard that stops a background task.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::task::JoinHandle;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Aborts its background task when dropped.
#[derive(Debug)]
pub struct TaskGuard {
    task: JoinHandle<()>,
}

impl TaskGuard {
    pub(crate) fn new(task: JoinHandle<()>) -> Self {
        Self { task }
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}
