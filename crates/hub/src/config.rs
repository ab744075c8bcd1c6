use std::time::Duration;

/// Tuning of every stream in a hub. The defaults serve a single machine.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Most bytes of coded frames the GOP cache holds.
    pub gop_cache_bytes: usize,
    /// Batches each stream's ring holds; a viewer further behind has lagged.
    pub ring_batches: usize,
    /// Lags a viewer may have within `lag_window` before it is cut off.
    pub max_lags: usize,
    pub lag_window: Duration,
    /// Frames a publisher may have in flight to its stream actor.
    pub publish_queue: usize,
    /// Most viewers a stream actor writes to itself (the rest write for
    /// themselves): one batch to all of them is one turn of the actor, and
    /// a longer turn delays connections being set up.
    pub max_direct_viewers: usize,
}

impl Default for HubConfig {
    fn default() -> HubConfig {
        HubConfig {
            gop_cache_bytes: 16 * 1024 * 1024,
            ring_batches: 512,
            max_lags: 3,
            lag_window: Duration::from_secs(60),
            publish_queue: 512,
            max_direct_viewers: 2048,
        }
    }
}
