//! Test harness: clusters on the machine's Redis under a fresh key prefix
//! (cleaned on drop), a private `redis-server` that can be restarted, the
//! in-process cluster, and bounded waits.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cluster::{Cluster, ClusterConfig, Timing};
use redis::Commands;

/// The machine's Redis.
pub const MACHINE_REDIS: &str = "redis://127.0.0.1:6379";

/// Short timings so expiry and takeover show within a test's patience.
pub fn test_timing() -> Timing {
    Timing {
        ttl: Duration::from_secs(3),
        refresh_every: Duration::from_millis(500),
        check_every: Duration::from_millis(100),
    }
}

/// A key prefix no other test run uses.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("synctv-test-{}-{nanos}-{n}:", std::process::id())
}

/// Deletes every key under its prefix when dropped (even on panic).
#[derive(Debug)]
pub struct KeyCleanup {
    url: String,
    prefix: String,
}

impl Drop for KeyCleanup {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(self.url.as_str()) else {
            return;
        };
        let Ok(mut conn) = client.get_connection() else {
            return;
        };
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = match conn.scan_match(&pattern) {
            Ok(iter) => iter.filter_map(Result::ok).collect(),
            Err(_) => return,
        };
        if !keys.is_empty() {
            let _: redis::RedisResult<i64> = conn.del(keys);
        }
    }
}

/// Anything that must live as long as a test's cluster.
#[derive(Debug)]
pub enum Guard {
    None,
    Keys(KeyCleanup),
}

/// The in-process cluster.
pub fn memory_cluster() -> (Cluster, Guard) {
    let mut config = ClusterConfig::new("test-node");
    config.timing = test_timing();
    (Cluster::memory(config), Guard::None)
}

/// A Redis cluster on `url` under a fresh prefix.
pub async fn redis_cluster_at(url: &str) -> (Cluster, KeyCleanup) {
    redis_cluster_with(url, |_| {}).await
}

/// A Redis cluster on `url` under a fresh prefix, its configuration
/// changed by `edit` first.
pub async fn redis_cluster_with(
    url: &str,
    edit: impl FnOnce(&mut ClusterConfig),
) -> (Cluster, KeyCleanup) {
    let mut config = ClusterConfig::new("test-node");
    edit(&mut config);
    config.timing = test_timing();
    config.key_prefix = unique_prefix();
    config.redis_url = Some(url.to_owned());
    let cleanup = KeyCleanup {
        url: url.to_owned(),
        prefix: config.key_prefix.clone(),
    };
    let cluster = Cluster::connect(config)
        .await
        .unwrap_or_else(|e| panic!("redis at {url} must be reachable: {e}"));
    (cluster, cleanup)
}

/// `n` replicas (`node-0`, `node-1`, …), each with its own connections, on
/// the machine's Redis under one fresh prefix.
pub async fn redis_replicas(n: usize) -> (Vec<Cluster>, KeyCleanup) {
    redis_replicas_at(MACHINE_REDIS, n, test_timing()).await
}

/// `n` replicas with `timing` on the Redis at `url` under one fresh prefix.
pub async fn redis_replicas_at(url: &str, n: usize, timing: Timing) -> (Vec<Cluster>, KeyCleanup) {
    let prefix = unique_prefix();
    let mut replicas = Vec::with_capacity(n);
    for i in 0..n {
        let mut config = ClusterConfig::new(format!("node-{i}"));
        config.timing = timing;
        config.key_prefix = prefix.clone();
        config.redis_url = Some(url.to_owned());
        let cluster = Cluster::connect(config)
            .await
            .unwrap_or_else(|e| panic!("redis must be reachable: {e}"));
        replicas.push(cluster);
    }
    let cleanup = KeyCleanup {
        url: url.to_owned(),
        prefix,
    };
    (replicas, cleanup)
}

/// A Redis cluster on the machine's Redis under a fresh prefix.
pub async fn redis_cluster() -> (Cluster, Guard) {
    let (cluster, cleanup) = redis_cluster_at(MACHINE_REDIS).await;
    (cluster, Guard::Keys(cleanup))
}

/// Polls `check` every 20 ms until it yields a value; panics naming `what`
/// after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A private `redis-server` child on a free port, without persistence.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts one and waits (bounded) until it answers.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let mut server = Self { port, child: None };
        server.spawn();
        server
    }

    /// `redis://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (its data is gone: no persistence).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a paused server (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let Some(child) = &self.child else {
            return;
        };
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "kill {signal} redis-server failed"
        );
    }

    /// Starts it again on the same port, empty.
    pub fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server must be installed: {e}"));
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let url = self.url();
        loop {
            let pong = redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection())
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not start within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.signal("-CONT");
        }
        self.kill();
    }
}

/// Runs each named `async fn(&Cluster)` against the in-process cluster and
/// against Redis.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    let (cluster, _guard) = $crate::support::memory_cluster();
                    super::$name(&cluster).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $name() {
                    let (cluster, _guard) = $crate::support::redis_cluster().await;
                    super::$name(&cluster).await;
                }
            )*
        }
    };
}
