//! Every Redis key this crate writes has a bounded lifetime, refreshed when
//! it is used: a room nobody uses, an inbox of a node that is gone, an
//! epoch counter of a stream never published again leave nothing behind.
//! Readers take an expired stream as "no events". Run against the machine's
//! Redis under a fresh prefix.

mod support;

use std::time::Duration;

use bytes::Bytes;
use cluster::{BusEvent, BusItem, Claim, Cluster, LeaseKind, EPOCH_TTL, STREAMS_TTL};
use redis::AsyncCommands;
use support::{eventually, redis_cluster_with, MACHINE_REDIS};

async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(MACHINE_REDIS)
        .unwrap_or_else(|e| panic!("redis url: {e}"))
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("redis must be reachable: {e}"))
}

async fn pttl(key: &str) -> i64 {
    let ttl: redis::RedisResult<i64> = raw().await.pttl(key).await;
    ttl.unwrap_or_else(|e| panic!("pttl {key}: {e}"))
}

async fn writer(c: &Cluster, room: &str) -> cluster::Lease {
    match c.room_writers.claim(room, "n1", "n1").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("writer lease of {room}: {other:?}"),
    }
}

fn within(ttl: i64, limit: Duration) -> bool {
    ttl > 0 && ttl <= limit.as_millis() as i64
}

#[tokio::test]
async fn streams_inboxes_and_epoch_counters_carry_a_ttl_after_use() {
    let (c, _keys) = redis_cluster_with(MACHINE_REDIS, |_| {}).await;
    let keys = cluster::Keys::new(c.config.key_prefix.clone());
    // A room's events, commands and the epoch counters of both lease kinds.
    let lease = writer(&c, "room1").await;
    let appended = c.bus.append(&lease, 1, Bytes::from_static(b"e1")).await;
    appended.unwrap_or_else(|e| panic!("append: {e}"));
    let forwarded = c
        .commands
        .forward("room1", "req-1", Bytes::from_static(b"c1"));
    forwarded.await.unwrap_or_else(|e| panic!("forward: {e}"));
    let stream = c.streams.claim("room1", "n1", "pub").await;
    assert!(matches!(stream, Ok(Claim::Granted(_))), "{stream:?}");
    // A replica's inbox is a room of its own: `room1~to~n2`.
    let inbox = writer(&c, "room1~to~n2").await;
    let appended = c.bus.append(&inbox, 1, Bytes::from_static(b"i1")).await;
    appended.unwrap_or_else(|e| panic!("append to the inbox: {e}"));

    for key in [
        keys.room_events("room1"),
        keys.room_commands("room1"),
        keys.room_events("room1~to~n2"),
    ] {
        let ttl = pttl(&key).await;
        assert!(within(ttl, STREAMS_TTL), "{key} has ttl {ttl} ms");
    }
    for key in [
        LeaseKind::RoomWriter.epoch_key(&keys, "room1"),
        LeaseKind::Stream.epoch_key(&keys, "room1"),
        LeaseKind::RoomWriter.epoch_key(&keys, "room1~to~n2"),
    ] {
        let ttl = pttl(&key).await;
        assert!(within(ttl, EPOCH_TTL), "{key} has ttl {ttl} ms");
    }
}

#[tokio::test]
async fn a_write_refreshes_the_ttl_and_a_reader_takes_an_expired_stream_as_empty() {
    let short = Duration::from_millis(400);
    let (c, _keys) = redis_cluster_with(MACHINE_REDIS, |config| {
        config.streams_ttl = short;
        config.epoch_ttl = Duration::from_secs(60);
    })
    .await;
    let keys = cluster::Keys::new(c.config.key_prefix.clone());
    let events = keys.room_events("room1");
    let lease = writer(&c, "room1").await;
    let appended = c.bus.append(&lease, 1, Bytes::from_static(b"e1")).await;
    appended.unwrap_or_else(|e| panic!("append: {e}"));
    let mut reader = c.bus.reader().unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow("room1", 0);
    let seen = reader.next(Duration::from_secs(2)).await;
    assert_eq!(seen.ok().map(|s| s.len()), Some(1));

    // Unused, the stream goes away by itself.
    eventually(
        "the idle event stream to expire",
        Duration::from_secs(10),
        || async {
            let exists: bool = raw().await.exists(&events).await.ok()?;
            (!exists).then_some(())
        },
    )
    .await;
    let nothing = reader.next(Duration::from_millis(100)).await;
    assert_eq!(
        nothing.ok(),
        Some(Vec::new()),
        "an expired stream has no events"
    );

    // The next append re-creates it with a fresh TTL; the reader goes on.
    let appended = c.bus.append(&lease, 2, Bytes::from_static(b"e2")).await;
    appended.unwrap_or_else(|e| panic!("append: {e}"));
    assert!(within(pttl(&events).await, short));
    let next = reader.next(Duration::from_secs(2)).await;
    let expected = BusItem::Event(BusEvent {
        room: "room1".to_owned(),
        seq: 2,
        payload: Bytes::from_static(b"e2"),
    });
    assert_eq!(next.ok(), Some(vec![expected]));
}

async fn listed(set: &str, resource: &str) -> bool {
    let member: redis::RedisResult<bool> = raw().await.sismember(set, resource).await;
    member.unwrap_or_else(|e| panic!("sismember {set}: {e}"))
}

/// The lease's key gone, as when its TTL runs out.
async fn expire(key: &str) {
    let deleted: redis::RedisResult<i64> = raw().await.del(key).await;
    assert_eq!(deleted.ok(), Some(1), "no lease at {key}");
}

#[tokio::test]
async fn ids_of_leases_that_are_gone_leave_the_sets_of_leased_resources() {
    let (c, _keys) = redis_cluster_with(MACHINE_REDIS, |_| {}).await;
    let keys = cluster::Keys::new(c.config.key_prefix.clone());
    let writers = LeaseKind::RoomWriter.set_key(&keys);
    let streams = LeaseKind::Stream.set_key(&keys);
    let lease_key = |room| LeaseKind::RoomWriter.lease_key(&keys, room);

    // A late release of a lease that expired meanwhile.
    let late = writer(&c, "late").await;
    assert!(listed(&writers, "late").await);
    expire(&lease_key("late")).await;
    let released = c.room_writers.release(&late).await;
    assert_eq!(released.ok(), Some(false), "nothing was held any more");
    assert!(
        !listed(&writers, "late").await,
        "a released room stayed listed"
    );

    // A renewal by a holder whose lease expired after a later epoch's did.
    let first = writer(&c, "taken").await;
    expire(&lease_key("taken")).await;
    let _second = writer(&c, "taken").await;
    expire(&lease_key("taken")).await;
    let renewed = c.room_writers.renew(&first).await;
    assert!(
        matches!(renewed, Err(cluster::ClusterError::Fenced { .. })),
        "{renewed:?}"
    );
    assert!(
        !listed(&writers, "taken").await,
        "a fenced room stayed listed"
    );

    // Leases that expired with their node: nobody renews or releases them.
    let _orphan = writer(&c, "orphan").await;
    let _kept = writer(&c, "kept").await;
    let stream = c.streams.claim("orphan", "n1", "pub").await;
    assert!(matches!(stream, Ok(Claim::Granted(_))), "{stream:?}");
    expire(&lease_key("orphan")).await;
    expire(&LeaseKind::Stream.lease_key(&keys, "orphan")).await;
    assert!(listed(&writers, "orphan").await && listed(&streams, "orphan").await);
    let pruned = c.room_writers.prune().await;
    assert_eq!(pruned.ok(), Some(1), "one room writer lease was gone");
    let pruned = c.streams.prune().await;
    assert_eq!(pruned.ok(), Some(1), "one stream lease was gone");
    assert!(!listed(&writers, "orphan").await);
    assert!(!listed(&streams, "orphan").await);
    assert!(listed(&writers, "kept").await, "a held lease was pruned");
}
