//! Configuration and the names of every Redis key.

use std::time::Duration;

/// Default [`ClusterConfig::streams_ttl`]: one day after the last write.
pub const STREAMS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Default [`ClusterConfig::epoch_ttl`]: seven days after the last claim.
pub const EPOCH_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How this node joins a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// This node's id, unique among live nodes (e.g. pod name or a random id).
    pub node_id: String,
    /// Prefix of every key this crate touches (default `synctv:`).
    pub key_prefix: String,
    /// `redis://host:port/db`; `None` means standalone (in-process).
    pub redis_url: Option<String>,
    /// Lease and node timing.
    pub timing: Timing,
    /// Longest a write (event append, command forward) waits for Redis to come
    /// back before it gives up with an error.
    pub retry_for: Duration,
    /// Approximate cap on each room's event stream (`MAXLEN ~`).
    pub events_max_len: usize,
    /// How long a room's event stream and command stream (inboxes
    /// included) live after their last write (1 day): a room nobody uses
    /// leaves nothing behind.
    pub streams_ttl: Duration,
    /// How long a lease's epoch counter lives after the last claim (7 days).
    /// A counter that expired is seeded from the clock again, and SQL keeps
    /// its own fence, so this only bounds what Redis keeps.
    pub epoch_ttl: Duration,
}

impl ClusterConfig {
    /// A standalone configuration for `node_id` with the defaults.
    pub fn new(node_id: impl Into<String>) -> Self {
        Self {
            node_id: node_id.into(),
            key_prefix: "synctv:".to_owned(),
            redis_url: None,
            timing: Timing::default(),
            retry_for: Duration::from_secs(30),
            events_max_len: 1000,
            streams_ttl: STREAMS_TTL,
            epoch_ttl: EPOCH_TTL,
        }
    }
}

/// Time-to-live and refresh periods of node records and leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// A node record or lease not refreshed for this long is gone (15 s).
    pub ttl: Duration,
    /// How often node records and leases are refreshed (5 s).
    pub refresh_every: Duration,
    /// How often a lease holder checks it still holds its lease (1 s), so a
    /// takeover elsewhere is noticed within two of these.
    pub check_every: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(15),
            refresh_every: Duration::from_secs(5),
            check_every: Duration::from_secs(1),
        }
    }
}

/// Builds every key under one prefix, so the layout is written down in one place.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix` (e.g. `synctv:`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The prefix itself.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `node:{id}`: the JSON record of a live node, with a TTL.
    pub fn node(&self, id: &str) -> String {
        format!("{}node:{id}", self.prefix)
    }

    /// `node:`: what `node(id)` starts with (scripts append the id).
    pub fn node_prefix(&self) -> String {
        format!("{}node:", self.prefix)
    }

    /// `nodes`: the set of node ids that announced themselves.
    pub fn nodes(&self) -> String {
        format!("{}nodes", self.prefix)
    }

    /// `room:{id}:events`: a room's event stream.
    pub fn room_events(&self, room: &str) -> String {
        format!("{}room:{room}:events", self.prefix)
    }

    /// [`Keys::room_events`] as a function pointer.
    pub(crate) fn room_events_of(keys: &Keys, room: &str) -> String {
        keys.room_events(room)
    }

    /// [`Keys::room_commands`] as a function pointer.
    pub(crate) fn room_commands_of(keys: &Keys, room: &str) -> String {
        keys.room_commands(room)
    }

    /// `room:{id}:commands`: commands forwarded to a room's writer.
    pub fn room_commands(&self, room: &str) -> String {
        format!("{}room:{room}:commands", self.prefix)
    }

    /// `room:{id}:request:{request_id}`: marks a forwarded request id, so a retry is queued once.
    pub fn room_request(&self, room: &str, request_id: &str) -> String {
        format!("{}room:{room}:request:{request_id}", self.prefix)
    }
}
