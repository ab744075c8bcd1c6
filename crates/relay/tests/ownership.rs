//! Stream ownership through the relay, the same bodies on the in-process
//! cluster and on the machine's Redis (under a fresh key prefix, deleted
//! afterwards): claims, takeover by the same key, refusal of another key,
//! release, and a dead owner's stream claimed at once.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cluster::{Cluster, ClusterConfig, NodeInfo, NodeLoad, Timing};
use hub::{Hub, HubConfig};
use live::{Ownership, Refusal, Replicas};
use relay::{Relay, RelayConfig};

const REDIS: &str = "redis://127.0.0.1:6379/";
const SECRET: &[u8] = b"relay-test-secret-0123456789";
const BOUND: Duration = Duration::from_secs(10);

fn timing() -> Timing {
    Timing {
        ttl: Duration::from_secs(3),
        refresh_every: Duration::from_millis(500),
        check_every: Duration::from_millis(100),
    }
}

/// One replica: its hub and its relay. Its advertised RTMP address
/// accepts connections and never answers, so a pull to it hangs rather
/// than failing while a test looks.
struct Replica {
    hub: Hub,
    relay: Relay,
    cluster: Cluster,
    node: String,
    silent: std::net::TcpListener,
}

impl Replica {
    async fn new(cluster: Cluster, node: &str) -> Replica {
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
        replica.announce().await;
        replica
    }

    async fn announce(&self) {
        let addr = self
            .silent
            .local_addr()
            .unwrap_or_else(|e| panic!("address: {e}"))
            .to_string();
        let info = NodeInfo {
            id: self.node.clone(),
            http_addr: addr.clone(),
            rtmp_addr: addr,
            started_at: 0,
            load: NodeLoad::default(),
        };
        let announced = self.cluster.nodes.announce(&info, Duration::from_secs(30));
        announced.await.unwrap_or_else(|e| panic!("announce: {e}"));
    }

    async fn claim(&self, key: &str) -> Result<Ownership, Refusal> {
        self.relay.claim("show", key).await
    }

    async fn owner(&self) -> Option<String> {
        let holder = self.cluster.streams.holder("show").await;
        holder
            .unwrap_or_else(|e| panic!("holder: {e}"))
            .map(|h| h.lease.node)
    }
}

/// Deletes the test's Redis keys when dropped.
struct Keys(Option<String>);

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
async fn in_memory() -> (Replica, Replica, Keys) {
    let mut config = ClusterConfig::new("node-a");
    config.timing = timing();
    let cluster = Cluster::memory(config);
    let a = Replica::new(cluster.clone(), "node-a").await;
    let b = Replica::new(cluster, "node-b").await;
    (a, b, Keys(None))
}

/// Two replicas on Redis, each with its own connection.
async fn on_redis() -> (Replica, Replica, Keys) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = N.fetch_add(1, Ordering::Relaxed);
    let prefix = format!("synctv-relay-test-{}-{nanos}-{n}:", std::process::id());
    let connect = |node: &str| {
        let mut config = ClusterConfig::new(node);
        config.timing = timing();
        config.key_prefix = prefix.clone();
        config.redis_url = Some(REDIS.to_owned());
        Cluster::connect(config)
    };
    let keys = Keys(Some(prefix.clone()));
    let ca = connect("node-a")
        .await
        .unwrap_or_else(|e| panic!("redis: {e}"));
    let cb = connect("node-b")
        .await
        .unwrap_or_else(|e| panic!("redis: {e}"));
    let a = Replica::new(ca, "node-a").await;
    let b = Replica::new(cb, "node-b").await;
    (a, b, keys)
}

async fn same_key_elsewhere_cuts_the_old_publisher_and_keeps_its_viewers(a: Replica, b: Replica) {
    let _owned_a = a.claim("k1").await.expect("A claims the stream");
    let mut publisher = a.hub.publish("show").await;
    let viewer = a.hub.subscribe("show", Duration::from_secs(1)).await;
    let _viewer = viewer.expect("a viewer on A");
    let _owned_b = b.claim("k1").await.expect("the same key takes over on B");
    assert_eq!(a.owner().await.as_deref(), Some("node-b"));
    let cut = tokio::time::timeout(BOUND, publisher.replaced()).await;
    assert!(cut.is_ok(), "A's publisher was cut");
    assert!(a.hub.is_live("show"), "A's viewers stay attached");
    assert_eq!(a.hub.viewers("show"), Some(1));
}

async fn another_key_is_refused_while_the_owner_lives(a: Replica, b: Replica) {
    let _owned = a.claim("k1").await.expect("A claims the stream");
    let refused = b.claim("k2").await.expect_err("another key is refused");
    assert_eq!(
        refused,
        Refusal::Held {
            node: "node-a".into()
        }
    );
    assert_eq!(a.relay.counts().owned, 1);
    assert_eq!(b.relay.counts().owned, 0);
}

async fn a_stopped_publisher_releases_the_stream(a: Replica, b: Replica) {
    let owned = a.claim("k1").await.expect("A claims the stream");
    drop(owned);
    let released = tokio::time::timeout(BOUND, async {
        while a.owner().await.is_some() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(released.await.is_ok(), "the lease was released");
    assert_eq!(a.relay.counts().owned, 0);
    let _owned = b.claim("k2").await.expect("another key may publish now");
}

async fn a_dead_owners_stream_is_claimed_at_once(a: Replica, b: Replica) {
    let _owned = a.claim("k1").await.expect("A claims the stream");
    let withdrawn = a.cluster.nodes.withdraw("node-a").await;
    withdrawn.unwrap_or_else(|e| panic!("withdraw: {e}"));
    let _owned_b = b.claim("k2").await.expect("B claims a dead node's stream");
    assert_eq!(b.owner().await.as_deref(), Some("node-b"));
}

macro_rules! both {
    ($($body:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    let (a, b, _keys) = super::in_memory().await;
                    super::$body(a, b).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $body() {
                    let (a, b, _keys) = super::on_redis().await;
                    super::$body(a, b).await;
                }
            )*
        }
    };
}

both!(
    same_key_elsewhere_cuts_the_old_publisher_and_keeps_its_viewers,
    another_key_is_refused_while_the_owner_lives,
    a_stopped_publisher_releases_the_stream,
    a_dead_owners_stream_is_claimed_at_once,
);
