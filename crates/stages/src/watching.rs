//! Viewers holding a play connection (HTTP-FLV, RTMP) to this node: an
//! open connection is the viewer's heartbeat for as long as it is open.
//! Sans IO: attaches, detaches and the time go in; the viewers due for a
//! beat come out of [`Watching::poll_due`], and the agent beats them.

use std::collections::HashMap;
use std::sync::Mutex;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Watching {
    /// (room, viewer) → its open connections and when it last beat.
    open: Mutex<HashMap<(String, String), Open>>,
}

#[derive(Debug)]
struct Open {
    connections: u32,
    /// `None` until its first beat: due at once.
    last_beat_ms: Option<u64>,
}

impl Watching {
    /// A connection of `viewer` to `room`'s stream opened.
    pub fn handle_attach(&self, room: &str, viewer: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let entry = open
            .entry((room.to_owned(), viewer.to_owned()))
            .or_insert(Open {
                connections: 0,
                last_beat_ms: None,
            });
        entry.connections += 1;
    }

    /// One of its connections closed.
    pub fn handle_detach(&self, room: &str, viewer: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let key = (room.to_owned(), viewer.to_owned());
        if let Some(entry) = open.get_mut(&key) {
            entry.connections = entry.connections.saturating_sub(1);
            if entry.connections == 0 {
                open.remove(&key);
            }
        }
    }

    /// The (room, viewer) pairs whose last beat is `every_ms` old or more
    /// at `now_ms` (or that never beat), noted as beating now.
    pub fn poll_due(&self, now_ms: u64, every_ms: u64) -> Vec<(String, String)> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = Vec::new();
        for (key, entry) in open.iter_mut() {
            let is_due = entry
                .last_beat_ms
                .is_none_or(|last| now_ms.saturating_sub(last) >= every_ms);
            if is_due {
                entry.last_beat_ms = Some(now_ms);
                due.push(key.clone());
            }
        }
        due.sort();
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(room: &str, viewer: &str) -> (String, String) {
        (room.to_owned(), viewer.to_owned())
    }

    #[test]
    fn an_open_connection_beats_every_period_until_its_last_one_closes() {
        let watching = Watching::default();
        watching.handle_attach("r", "a1");
        watching.handle_attach("r", "a1");
        watching.handle_attach("r", "u7");
        assert_eq!(
            watching.poll_due(1_000, 10_000),
            [pair("r", "a1"), pair("r", "u7")]
        );
        assert!(watching.poll_due(10_999, 10_000).is_empty());
        watching.handle_detach("r", "u7");
        watching.handle_detach("r", "a1");
        assert_eq!(watching.poll_due(11_000, 10_000), [pair("r", "a1")]);
        watching.handle_detach("r", "a1");
        watching.handle_detach("r", "a1");
        assert!(watching.poll_due(99_000, 10_000).is_empty());
    }
}
