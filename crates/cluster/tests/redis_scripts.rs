//! The Lua scripts' edge cases against the machine's Redis: what happens when
//! Redis loses a lease, its epoch counter or a node record.

mod support;

use std::time::Duration;

use cluster::{Claim, Cluster, ClusterError, Keys, Lease, LeaseKind, NodeInfo, NodeLoad};
use redis::AsyncCommands;
use support::{eventually, redis_cluster, MACHINE_REDIS};

async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(MACHINE_REDIS)
        .unwrap_or_else(|e| panic!("redis url: {e}"))
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("redis must be reachable: {e}"))
}

async fn granted(c: &Cluster, room: &str, node: &str, token: &str) -> Lease {
    match c.streams.claim(room, node, token).await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("claim of {room} by {node}: {other:?}"),
    }
}

fn keys(c: &Cluster) -> Keys {
    Keys::new(c.config.key_prefix.clone())
}

#[tokio::test]
async fn a_holder_recreates_its_vanished_lease_on_renew() {
    let (c, _guard) = redis_cluster().await;
    let lease = granted(&c, "room1", "n1", "pub").await;
    let key = LeaseKind::Stream.lease_key(&keys(&c), "room1");
    let _: i64 = raw().await.del(&key).await.unwrap_or_default();
    assert!(c.streams.holder("room1").await.ok().flatten().is_none());

    assert!(c.streams.renew(&lease).await.is_ok());
    let holder = c.streams.holder("room1").await.ok().flatten();
    assert_eq!(holder.map(|h| h.lease), Some(lease));
    let ttl: i64 = raw().await.pttl(&key).await.unwrap_or_default();
    assert!(ttl > 0, "re-created lease has no TTL ({ttl})");
}

#[tokio::test]
async fn a_vanished_lease_stays_gone_once_a_later_epoch_was_handed_out() {
    let (c, _guard) = redis_cluster().await;
    let old = granted(&c, "room1", "n1", "pub").await;
    let later = granted(&c, "room1", "n2", "pub").await;
    assert!(c.streams.release(&later).await.unwrap_or(false));
    let renewed = c.streams.renew(&old).await;
    assert!(
        matches!(renewed, Err(ClusterError::Fenced { .. })),
        "{renewed:?}"
    );
    assert!(c.streams.holder("room1").await.ok().flatten().is_none());
}

#[tokio::test]
async fn epochs_keep_growing_when_redis_loses_the_counter() {
    let (c, _guard) = redis_cluster().await;
    let first = granted(&c, "room1", "n1", "pub").await;
    let k = keys(&c);
    let lost = [
        LeaseKind::Stream.lease_key(&k, "room1"),
        LeaseKind::Stream.epoch_key(&k, "room1"),
    ];
    let _: i64 = raw().await.del(&lost).await.unwrap_or_default();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = granted(&c, "room1", "n1", "pub").await;
    assert!(second.epoch > first.epoch, "{second:?} after {first:?}");
}

#[tokio::test]
async fn a_stream_lease_is_a_hash_listed_in_active_streams() {
    let (c, _guard) = redis_cluster().await;
    let lease = granted(&c, "room1", "n1", "pub").await;
    let k = keys(&c);
    let key = LeaseKind::Stream.lease_key(&k, "room1");
    assert_eq!(key, format!("{}stream:room1", c.config.key_prefix));
    let mut conn = raw().await;
    let node: Option<String> = conn.hget(&key, "node").await.unwrap_or_default();
    let epoch: Option<u64> = conn.hget(&key, "epoch").await.unwrap_or_default();
    let status: Option<String> = conn.hget(&key, "status").await.unwrap_or_default();
    assert_eq!(node.as_deref(), Some("n1"));
    assert_eq!(epoch, Some(lease.epoch));
    assert_eq!(status.as_deref(), Some("live"));
    let active_streams = LeaseKind::Stream.set_key(&k);
    let members: Vec<String> = conn.smembers(&active_streams).await.unwrap_or_default();
    assert_eq!(members, ["room1"]);
    let ttl: i64 = conn.pttl(&key).await.unwrap_or_default();
    assert!(ttl > 0 && ttl <= c.config.timing.ttl.as_millis() as i64);
}

#[tokio::test]
async fn an_expired_node_is_dropped_from_the_nodes_set() {
    let (c, _guard) = redis_cluster().await;
    let info = NodeInfo {
        id: "brief".into(),
        http_addr: String::new(),
        rtmp_addr: String::new(),
        started_at: 0,
        load: NodeLoad::default(),
    };
    c.nodes
        .announce(&info, Duration::from_millis(100))
        .await
        .ok();
    let nodes_key = keys(&c).nodes();
    let members: Vec<String> = raw().await.smembers(&nodes_key).await.unwrap_or_default();
    assert_eq!(members, ["brief"]);
    eventually("the record to expire", Duration::from_secs(5), || async {
        c.nodes.live_nodes().await.ok()?.is_empty().then_some(())
    })
    .await;
    let members: Vec<String> = raw().await.smembers(&nodes_key).await.unwrap_or_default();
    assert!(members.is_empty(), "{members:?}");
}

#[tokio::test]
async fn a_malformed_bus_entry_is_skipped_not_fatal() {
    let (c, _guard) = redis_cluster().await;
    let lease = match c.room_writers.claim("room1", "n1", "n1").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("writer lease: {other:?}"),
    };
    let stream = keys(&c).room_events("room1");
    let _: String = raw()
        .await
        .xadd(&stream, "*", &[("seq", "not-a-number")])
        .await
        .unwrap_or_default();
    c.bus
        .append(&lease, 1, bytes::Bytes::from_static(b"ok"))
        .await
        .unwrap_or_else(|e| panic!("append: {e}"));
    let mut reader = c.bus.reader().unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow("room1", 0);
    let items = reader
        .next(Duration::from_secs(2))
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(items.len(), 1, "{items:?}");
}

#[tokio::test]
async fn a_malformed_lease_is_skipped_when_leases_are_listed() {
    let (c, _guard) = redis_cluster().await;
    let good = granted(&c, "room2", "n1", "pub").await;
    let k = keys(&c);
    let active_streams = LeaseKind::Stream.set_key(&k);
    let mut conn = raw().await;
    // A hash without an epoch, and a string where a hash belongs.
    let no_epoch = LeaseKind::Stream.lease_key(&k, "room1");
    let written: redis::RedisResult<()> = conn
        .hset_multiple(&no_epoch, &[("node", "n1"), ("token", "pub")])
        .await;
    written.unwrap_or_else(|e| panic!("hset: {e}"));
    let not_a_hash = LeaseKind::Stream.lease_key(&k, "room3");
    let written: redis::RedisResult<()> = conn.set(&not_a_hash, "garbage").await;
    written.unwrap_or_else(|e| panic!("set: {e}"));
    let listed: redis::RedisResult<i64> = conn.sadd(&active_streams, &["room1", "room3"]).await;
    assert_eq!(listed.ok(), Some(2));
    let active = c
        .streams
        .active()
        .await
        .unwrap_or_else(|e| panic!("one bad lease failed the listing: {e}"));
    let listed: Vec<_> = active.into_iter().map(|i| i.lease).collect();
    assert_eq!(listed, vec![good]);
    let holder = c.streams.holder("room3").await;
    assert!(
        matches!(holder, Err(ClusterError::Malformed { .. })),
        "{holder:?}"
    );
}
