//! In-process per-room logs with numbered entries and a wake-up for readers;
//! the in-process bus and command queue are built on it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// Per-room logs of `T`, each capped at `cap` entries (oldest dropped).
#[derive(Debug)]
pub(crate) struct MemoryLog<T> {
    inner: Mutex<Logs<T>>,
    appended: watch::Sender<u64>,
    cap: usize,
}

#[derive(Debug)]
struct Logs<T> {
    rooms: HashMap<String, VecDeque<(u64, T)>>,
    next_id: u64,
}

impl<T: Clone> MemoryLog<T> {
    pub(crate) fn new(cap: usize) -> Self {
        let (appended, _) = watch::channel(0);
        let inner = Logs {
            rooms: HashMap::new(),
            next_id: 1,
        };
        Self {
            inner: Mutex::new(inner),
            appended,
            cap: cap.max(1),
        }
    }

    /// Appends `entry` to `room`'s log; returns its id.
    pub(crate) fn append(&self, room: &str, entry: T) -> u64 {
        let id = {
            let mut logs = self.lock();
            let id = logs.next_id;
            logs.next_id += 1;
            let log = logs.rooms.entry(room.to_owned()).or_default();
            log.push_back((id, entry));
            while log.len() > self.cap {
                log.pop_front();
            }
            id
        };
        self.appended.send_modify(|n| *n += 1);
        id
    }

    /// Removes entry `id` from `room`'s log.
    pub(crate) fn remove(&self, room: &str, id: u64) {
        if let Some(log) = self.lock().rooms.get_mut(room) {
            log.retain(|(entry_id, _)| *entry_id != id);
        }
    }

    /// A handle that wakes when anything is appended.
    pub(crate) fn watcher(&self) -> watch::Receiver<u64> {
        self.appended.subscribe()
    }

    /// Entries after each room's cursor; advances the cursors. Waits up to
    /// `wait` for at least one.
    pub(crate) async fn read(
        &self,
        watcher: &mut watch::Receiver<u64>,
        cursors: &mut HashMap<String, u64>,
        wait: Duration,
    ) -> Vec<(String, u64, T)> {
        let deadline = Instant::now() + wait;
        loop {
            watcher.borrow_and_update();
            let found = self.collect(cursors);
            if !found.is_empty() {
                return found;
            }
            let woke = tokio::time::timeout_at(deadline, watcher.changed()).await;
            if !matches!(woke, Ok(Ok(()))) {
                return Vec::new();
            }
        }
    }

    fn collect(&self, cursors: &mut HashMap<String, u64>) -> Vec<(String, u64, T)> {
        let logs = self.lock();
        let mut found = Vec::new();
        for (room, cursor) in cursors.iter_mut() {
            let Some(log) = logs.rooms.get(room) else {
                continue;
            };
            let after = *cursor;
            for (id, entry) in log.iter().filter(|(id, _)| *id > after) {
                found.push((room.clone(), *id, entry.clone()));
                *cursor = *id;
            }
        }
        found
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Logs<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
