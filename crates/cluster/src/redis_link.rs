//! The Redis connection: one reconnecting multiplexed link per use, and the
//! retry loop that makes writes wait out a blip instead of failing.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use tokio::time::Instant;

use crate::config::Keys;
use crate::error::ClusterError;
use crate::lease::Lease;

/// A reconnecting connection plus the key layout.
#[derive(Clone)]
pub struct RedisLink {
    pub(crate) conn: ConnectionManager,
    pub(crate) keys: Keys,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// Connects to `url` (failing if Redis is not reachable now); afterwards
    /// the link reconnects by itself whenever it drops.
    pub async fn connect(url: &str, keys: Keys) -> Result<Self, ClusterError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new_with_config(client, manager_config(None)).await?;
        Ok(Self { conn, keys })
    }

    /// A second link to the same server for blocking reads (a blocked read
    /// would stall every other command on a shared link). Connects lazily.
    pub fn blocking_twin(url: &str, keys: Keys, block: Duration) -> Result<Self, ClusterError> {
        let client = redis::Client::open(url)?;
        let timeout = block + Duration::from_secs(5);
        let conn = ConnectionManager::new_lazy_with_config(client, manager_config(Some(timeout)))?;
        Ok(Self { conn, keys })
    }
}

fn manager_config(response_timeout: Option<Duration>) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_secs(1))
        .set_number_of_retries(3)
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(response_timeout.unwrap_or(Duration::from_secs(5))))
}

/// Runs `op` until it succeeds, fails for a reason other than the link, or
/// `retry_for` has passed; the wait between tries doubles up to 1 s.
pub(crate) async fn with_retry<T, F, Fut>(retry_for: Duration, mut op: F) -> Result<T, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClusterError>>,
{
    let deadline = Instant::now() + retry_for;
    let mut delay = Duration::from_millis(50);
    loop {
        match op().await {
            Err(e) if e.is_transient() && Instant::now() + delay < deadline => {
                tracing::debug!(error = %e, "redis unavailable, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            other => return other,
        }
    }
}

/// The keys and leading arguments every fenced script takes (see `fence.lua`).
pub(crate) struct Fenced<'a> {
    pub(crate) lease: &'a Lease,
    pub(crate) lease_key: String,
    pub(crate) epoch_key: String,
    pub(crate) set_key: String,
    pub(crate) now_ms: u64,
    pub(crate) ttl_ms: u64,
    pub(crate) epoch_ttl_ms: u64,
}

impl Fenced<'_> {
    /// Starts an invocation of `script` with the fenced layout filled in.
    pub(crate) fn invocation<'s>(&self, script: &'s Script) -> redis::ScriptInvocation<'s> {
        let mut inv = script.prepare_invoke();
        inv.key(&self.lease_key)
            .key(&self.epoch_key)
            .key(&self.set_key)
            .arg(&self.lease.resource)
            .arg(&self.lease.node)
            .arg(&self.lease.token)
            .arg(self.lease.epoch)
            .arg(self.now_ms)
            .arg(self.ttl_ms)
            .arg(self.epoch_ttl_ms);
        inv
    }
}

/// A script that starts with the shared `fence()` function.
pub(crate) fn fenced_script(body: &str) -> Script {
    let fence = include_str!("scripts/fence.lua");
    Script::new(&format!("{fence}\n{body}"))
}
