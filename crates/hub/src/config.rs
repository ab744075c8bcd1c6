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
    /// themselves). With the actors on a runtime of their own (`actors`)
    /// a long fan-out no longer holds connections up, so the default is
    /// no practical limit.
    pub max_direct_viewers: usize,
    /// The runtime stream actors run on; `None` runs them on the runtime
    /// of whoever starts the stream. A runtime of their own keeps
    /// connections being set up from waiting behind a long fan-out: the
    /// operating system shares the core between the two.
    pub actors: Option<tokio::runtime::Handle>,
}

impl Default for HubConfig {
    fn default() -> HubConfig {
        HubConfig {
            gop_cache_bytes: 16 * 1024 * 1024,
            ring_batches: 512,
            max_lags: 3,
            lag_window: Duration::from_secs(60),
            publish_queue: 512,
            max_direct_viewers: 65_536,
            actors: None,
        }
    }
}
