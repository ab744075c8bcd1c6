//! Failure with a real process: a private `redis-server` (no persistence) is
//! killed and started again mid-test. The reconnecting clients recover, writes
//! made during the outage wait and land, and what Redis lost is reported as a
//! gap, never silently skipped.

mod support;

use std::time::Duration;

use bytes::Bytes;
use cluster::{
    spawn_death_watch, spawn_heartbeat, BusEvent, BusItem, Claim, Cluster, DeathDetector,
    Forwarded, KeptLease, Lease, NodeInfo, NodeLoad,
};
use support::{eventually, redis_cluster_at, test_timing, RedisServer};

const OUTAGE: Duration = Duration::from_millis(300);

async fn writer(c: &Cluster, room: &str) -> Lease {
    match c.room_writers.claim(room, "n1", "n1").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("writer lease: {other:?}"),
    }
}

fn event(seq: u64) -> BusItem {
    BusItem::Event(BusEvent {
        room: "room1".to_owned(),
        seq,
        payload: Bytes::from(format!("event {seq}")),
    })
}

async fn append(c: &Cluster, lease: &Lease, seq: u64) {
    c.bus
        .append(lease, seq, Bytes::from(format!("event {seq}")))
        .await
        .unwrap_or_else(|e| panic!("append {seq}: {e}"));
}

#[tokio::test]
async fn the_bus_survives_a_redis_restart_and_reports_what_redis_lost() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let lease = writer(&c, "room1").await;
    let mut reader = c.bus.reader().unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow("room1", 0);
    for seq in 1..=3 {
        append(&c, &lease, seq).await;
    }
    let seen = reader
        .next(Duration::from_secs(2))
        .await
        .unwrap_or_default();
    assert_eq!(seen, vec![event(1), event(2), event(3)]);
    // Acknowledged by Redis, but not read before it dies with them.
    append(&c, &lease, 4).await;
    append(&c, &lease, 5).await;

    server.kill();
    let bus = c.bus.clone();
    let during = lease.clone();
    let pending = tokio::spawn(async move { bus.append(&during, 6, Bytes::from("event 6")).await });
    tokio::time::sleep(OUTAGE).await;
    assert!(
        !pending.is_finished(),
        "an append during the outage must wait, not fail"
    );
    server.spawn();

    let landed = tokio::time::timeout(Duration::from_secs(10), pending).await;
    assert!(
        matches!(landed, Ok(Ok(Ok(())))),
        "the waiting append did not land after the restart: {landed:?}"
    );
    append(&c, &lease, 7).await;

    let mut items = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while items.len() < 3 && tokio::time::Instant::now() < deadline {
        // Errors while the reader's own link reconnects are expected; it keeps its place.
        if let Ok(batch) = reader.next(Duration::from_millis(500)).await {
            items.extend(batch);
        }
    }
    let gap = BusItem::Gap {
        room: "room1".to_owned(),
        from: 4,
        to: 5,
    };
    assert_eq!(items, vec![gap, event(6), event(7)]);
}

#[tokio::test]
async fn leases_and_node_records_come_back_after_a_redis_restart() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let timing = test_timing();
    let info = NodeInfo {
        id: "n1".into(),
        http_addr: "127.0.0.1:8080".into(),
        rtmp_addr: "127.0.0.1:1935".into(),
        started_at: 0,
        load: NodeLoad::default(),
    };
    let _beat = spawn_heartbeat(
        c.nodes.clone(),
        info,
        NodeLoad::default,
        timing.refresh_every,
        timing.ttl,
    );
    let lease = match c.streams.claim("room1", "n1", "pub").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("stream lease: {other:?}"),
    };
    let mut kept = KeptLease::spawn(c.streams.clone(), lease.clone(), timing);

    server.kill();
    tokio::time::sleep(OUTAGE).await;
    server.spawn();

    eventually(
        "the node record to be back",
        Duration::from_secs(10),
        || async {
            let live = c.nodes.live_nodes().await.ok()?;
            live.iter().any(|n| n.id == "n1").then_some(())
        },
    )
    .await;
    let holder = eventually(
        "the lease to be re-created",
        Duration::from_secs(10),
        || async { c.streams.holder("room1").await.ok().flatten() },
    )
    .await;
    assert_eq!(holder.lease, lease);
    let lost = tokio::time::timeout(Duration::from_millis(200), kept.lost()).await;
    assert!(lost.is_err(), "the kept lease was given up: {lost:?}");
}

#[tokio::test]
async fn a_command_forwarded_during_an_outage_is_queued_once_redis_is_back() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    server.kill();
    let commands = c.commands.clone();
    let pending = tokio::spawn(async move {
        commands
            .forward("room1", "req-1", Bytes::from_static(b"play"))
            .await
    });
    tokio::time::sleep(OUTAGE).await;
    server.spawn();
    let queued = tokio::time::timeout(Duration::from_secs(10), pending).await;
    assert!(
        matches!(queued, Ok(Ok(Ok(Forwarded::Queued)))),
        "the forward did not land after the restart: {queued:?}"
    );
    let mut reader = c
        .commands
        .reader()
        .unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow("room1");
    let got = reader
        .next(Duration::from_secs(5))
        .await
        .unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].request_id, "req-1");
}

#[tokio::test]
async fn a_kept_lease_is_given_up_when_redis_stays_unreachable_for_a_ttl() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let timing = test_timing();
    let lease = match c.streams.claim("room1", "n1", "pub").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("stream lease: {other:?}"),
    };
    let mut kept = KeptLease::spawn(c.streams.clone(), lease, timing);
    server.kill();
    let why = tokio::time::timeout(timing.ttl + Duration::from_secs(3), kept.lost())
        .await
        .unwrap_or_else(|_| panic!("the lease was kept through an outage longer than its TTL"));
    assert_eq!(why, cluster::LeaseLost::Expired);
}

#[tokio::test]
async fn a_hung_link_ends_a_kept_lease_by_its_ttl_not_by_the_response_timeout() {
    let server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let timing = test_timing();
    let lease = match c.streams.claim("room1", "n1", "pub").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("stream lease: {other:?}"),
    };
    let mut kept = KeptLease::spawn(c.streams.clone(), lease, timing);
    server.pause();
    let lost = tokio::time::timeout(timing.ttl + Duration::from_secs(1), kept.lost()).await;
    server.resume();
    assert_eq!(
        lost.ok(),
        Some(cluster::LeaseLost::Expired),
        "a hung link must cost the lease within its TTL"
    );
}

#[tokio::test]
async fn a_stream_recreated_with_older_ids_is_read_again_from_its_start() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let lease = writer(&c, "room1").await;
    let mut reader = c.bus.reader().unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow("room1", 0);
    append(&c, &lease, 1).await;
    let seen = reader
        .next(Duration::from_secs(2))
        .await
        .unwrap_or_default();
    assert_eq!(seen, vec![event(1)]);

    server.kill();
    let during = reader.next(Duration::from_millis(100)).await;
    assert!(
        during.is_err(),
        "a read while Redis is down must fail, not hang"
    );
    server.spawn();
    // A Redis whose clock is behind the old one: ids older than the reader's cursor.
    let stream = cluster::Keys::new(c.config.key_prefix.clone()).room_events("room1");
    let mut raw = redis::Client::open(server.url().as_str())
        .and_then(|client| client.get_connection())
        .unwrap_or_else(|e| panic!("raw connection: {e}"));
    let _: String = redis::cmd("XADD")
        .arg(&stream)
        .arg("1-1")
        .arg(&["seq", "3", "epoch", "0", "data", "event 3"])
        .query(&mut raw)
        .unwrap_or_else(|e| panic!("xadd: {e}"));

    let mut items = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while items.len() < 2 && tokio::time::Instant::now() < deadline {
        if let Ok(batch) = reader.next(Duration::from_millis(500)).await {
            items.extend(batch);
        }
    }
    let gap = BusItem::Gap {
        room: "room1".to_owned(),
        from: 2,
        to: 2,
    };
    assert_eq!(items, vec![gap, event(3)]);
}

fn node(id: &str) -> NodeInfo {
    NodeInfo {
        id: id.into(),
        http_addr: "127.0.0.1:8080".into(),
        rtmp_addr: "127.0.0.1:1935".into(),
        started_at: 0,
        load: NodeLoad::default(),
    }
}

#[tokio::test]
async fn a_redis_restart_kills_no_live_node_and_a_node_gone_meanwhile_is_still_found() {
    let mut server = RedisServer::start();
    let (c, _keys) = redis_cluster_at(&server.url()).await;
    let timing = test_timing();
    let beat = |id: &str| {
        let registry = c.nodes.clone();
        spawn_heartbeat(
            registry,
            node(id),
            NodeLoad::default,
            timing.refresh_every,
            timing.ttl,
        )
    };
    let (_me, _other, leaving) = (beat("me"), beat("other"), beat("leaving"));
    eventually("three live nodes", Duration::from_secs(10), || async {
        let live = c.nodes.live_nodes().await.ok()?;
        (live.len() == 3).then_some(())
    })
    .await;
    let detector = DeathDetector::for_node("me", timing.ttl);
    let (mut deaths, _watch) = spawn_death_watch(c.nodes.clone(), detector, timing.check_every);
    tokio::time::sleep(timing.check_every * 3).await;

    // Redis comes back empty: every record is gone at once, and `leaving`
    // stops beating during the outage.
    server.kill();
    drop(leaving);
    tokio::time::sleep(OUTAGE).await;
    server.spawn();

    let dead = tokio::time::timeout(timing.ttl * 4, deaths.recv())
        .await
        .unwrap_or_else(|_| panic!("the node gone during the outage was never reported"));
    assert_eq!(
        dead.as_deref(),
        Some("leaving"),
        "a live node was reported dead"
    );
    let more = tokio::time::timeout(timing.ttl * 2, deaths.recv()).await;
    assert!(more.is_err(), "a live node was reported dead: {more:?}");
}
