//! Test harness: replicas (a hub and a relay each) on the in-process
//! cluster or on the machine's Redis under a fresh key prefix (deleted
//! afterwards), and a small HTTP origin that plays an owner's HLS
//! listener and counts the requests it gets.

#![allow(dead_code, unreachable_pub)]

use std::process::Command;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cluster::{Cluster, ClusterConfig, NodeInfo, NodeLoad, Timing};
use hub::{Hub, HubConfig};
use live::{Ownership, Refusal, Replicas};
use relay::{Relay, RelayConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const REDIS: &str = "redis://127.0.0.1:6379/";
pub const SECRET: &[u8] = b"relay-test-secret-0123456789";
pub const BOUND: Duration = Duration::from_secs(10);

pub fn timing() -> Timing {
    Timing {
        ttl: Duration::from_secs(3),
        refresh_every: Duration::from_millis(500),
        check_every: Duration::from_millis(100),
    }
}

/// One replica: its hub and its relay. Unless told otherwise, its
/// advertised addresses accept connections and never answer, so a pull
/// or a fetch to it hangs rather than failing while a test looks.
pub struct Replica {
    pub hub: Hub,
    pub relay: Relay,
    pub cluster: Cluster,
    pub node: String,
    pub silent: std::net::TcpListener,
}

impl Replica {
    pub async fn new(cluster: Cluster, node: &str) -> Replica {
        let hub = Hub::new(HubConfig::default(), None);
        let relay = Relay::new(RelayConfig::new(node, SECRET), cluster.clone(), hub.clone())
            .unwrap_or_else(|e| panic!("relay: {e}"));
        let silent =
            std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let replica = Replica {
            hub,
            relay,
            cluster,
            node: node.to_owned(),
            silent,
        };
        let addr = replica.silent_addr();
        replica.announce(&addr).await;
        replica
    }

    pub fn silent_addr(&self) -> String {
        self.silent
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"))
            .to_string()
    }

    /// Announces this node with `http_addr` as its HLS listener.
    pub async fn announce(&self, http_addr: &str) {
        let info = NodeInfo {
            id: self.node.clone(),
            http_addr: http_addr.to_owned(),
            rtmp_addr: self.silent_addr(),
            started_at: 0,
            load: NodeLoad::default(),
        };
        let announced = self.cluster.nodes.announce(&info, Duration::from_secs(30));
        announced.await.unwrap_or_else(|e| panic!("announce: {e}"));
    }

    pub async fn claim(&self, key: &str) -> Result<Ownership, Refusal> {
        self.relay.claim("show", key).await
    }

    pub async fn owner(&self) -> Option<String> {
        let holder = self.cluster.streams.holder("show").await;
        holder
            .unwrap_or_else(|e| panic!("holder: {e}"))
            .map(|h| h.lease.node)
    }
}

/// Deletes the test's Redis keys when dropped.
pub struct Keys(Option<String>);

impl Drop for Keys {
    fn drop(&mut self) {
        let Some(prefix) = &self.0 else { return };
        let scan = Command::new("redis-cli")
            .args(["-u", REDIS, "--scan", "--pattern", &format!("{prefix}*")])
            .output();
        let Ok(out) = scan else { return };
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let keys: Vec<&str> = text.lines().filter(|k| !k.is_empty()).collect();
        if !keys.is_empty() {
            let _ = Command::new("redis-cli")
                .args(["-u", REDIS, "DEL"])
                .args(&keys)
                .output();
        }
    }
}

/// Two replicas on the in-process cluster (one shared state).
pub async fn in_memory() -> (Replica, Replica, Keys) {
    let mut config = ClusterConfig::new("node-a");
    config.timing = timing();
    let cluster = Cluster::memory(config);
    let a = Replica::new(cluster.clone(), "node-a").await;
    let b = Replica::new(cluster, "node-b").await;
    (a, b, Keys(None))
}

/// `names` replicas on Redis, each with its own connection, under one
/// fresh prefix.
pub async fn redis_replicas(names: &[&str]) -> (Vec<Replica>, Keys) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = N.fetch_add(1, Ordering::Relaxed);
    let prefix = format!("synctv-relay-test-{}-{nanos}-{n}:", std::process::id());
    let keys = Keys(Some(prefix.clone()));
    let mut replicas = Vec::with_capacity(names.len());
    for name in names {
        let mut config = ClusterConfig::new(*name);
        config.timing = timing();
        config.key_prefix = prefix.clone();
        config.redis_url = Some(REDIS.to_owned());
        let cluster = Cluster::connect(config)
            .await
            .unwrap_or_else(|e| panic!("redis: {e}"));
        replicas.push(Replica::new(cluster, name).await);
    }
    (replicas, keys)
}

/// Two replicas on Redis.
pub async fn on_redis() -> (Replica, Replica, Keys) {
    let (replicas, keys) = redis_replicas(&["node-a", "node-b"]).await;
    let mut replicas = replicas.into_iter();
    match (replicas.next(), replicas.next()) {
        (Some(a), Some(b)) => (a, b, keys),
        _ => panic!("two replicas were asked for"),
    }
}

/// An owner's HLS listener: answers every `GET` with 200 and a body naming
/// the path, after `delay`, and counts the requests per path.
pub struct Origin {
    pub addr: String,
    hits: Arc<std::sync::Mutex<Vec<String>>>,
    requests: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl Origin {
    pub async fn start(delay: Duration) -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"))
            .to_string();
        let hits = Arc::new(std::sync::Mutex::new(Vec::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        let (h, r) = (hits.clone(), requests.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, delay, h.clone(), r.clone()));
            }
        });
        Origin {
            addr,
            hits,
            requests,
            _task: task,
        }
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        let hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        hits.iter().filter(|p| *p == path).count()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self._task.abort();
    }
}

/// Serves the requests of one connection (HTTP/1.1 keep-alive, no body).
async fn serve(
    mut socket: tokio::net::TcpStream,
    delay: Duration,
    hits: Arc<std::sync::Mutex<Vec<String>>>,
    requests: Arc<AtomicUsize>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = find(&buffer, b"\r\n\r\n") else {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        buffer.drain(..end + 4);
        let path = head.split(' ').nth(1).unwrap_or("").to_owned();
        requests.fetch_add(1, Ordering::SeqCst);
        hits.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.clone());
        tokio::time::sleep(delay).await;
        let body = format!("served {path}");
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An address nothing listens on: connections to it are refused.
pub fn refusing_addr() -> String {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("address: {e}"))
        .to_string();
    drop(listener);
    addr
}

/// Deletes `keys` (full names) from the machine's Redis, as a Redis that
/// lost its data would.
pub fn redis_del(keys: &[String]) {
    let deleted = Command::new("redis-cli")
        .args(["-u", REDIS, "DEL"])
        .args(keys)
        .output();
    assert!(
        deleted.is_ok_and(|out| out.status.success()),
        "redis-cli DEL failed"
    );
}
