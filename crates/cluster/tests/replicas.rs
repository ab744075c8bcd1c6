//! Several replicas, each with its own Redis connections, sharing one key
//! prefix: the room writer's events reach every replica in order, commands
//! reach the writer, and a dead writer's room passes to a survivor without
//! losing a command.

mod support;

use std::time::Duration;

use bytes::Bytes;
use cluster::{
    spawn_death_watch, spawn_heartbeat, BusItem, Claim, Cluster, ClusterError, DeathDetector,
    Forwarded, Lease, NodeInfo, NodeLoad, TaskGuard,
};
use support::{eventually, redis_replicas};

fn heartbeat(c: &Cluster) -> TaskGuard {
    let info = NodeInfo {
        id: c.config.node_id.clone(),
        http_addr: String::new(),
        rtmp_addr: String::new(),
        started_at: 0,
        load: NodeLoad::default(),
    };
    let t = c.config.timing;
    spawn_heartbeat(
        c.nodes.clone(),
        info,
        NodeLoad::default,
        t.refresh_every,
        t.ttl,
    )
}

/// Starts every replica's heartbeat and waits until all are listed live.
async fn all_alive(replicas: &[Cluster]) -> Vec<TaskGuard> {
    let beats = replicas.iter().map(heartbeat).collect();
    eventually(
        "every replica to be live",
        Duration::from_secs(5),
        || async {
            let live = replicas[0].nodes.live_nodes().await.ok()?;
            (live.len() == replicas.len()).then_some(())
        },
    )
    .await;
    beats
}

async fn claim_writer(c: &Cluster, room: &str) -> Claim {
    let node = &c.config.node_id;
    c.room_writers
        .claim(room, node, node)
        .await
        .unwrap_or_else(|e| panic!("claim on {node}: {e}"))
}

async fn read_seqs(c: &Cluster, room: &str, want: usize) -> Vec<u64> {
    let mut reader = c.bus.reader().unwrap_or_else(|e| panic!("reader: {e}"));
    reader.follow(room, 0);
    let mut seqs = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while seqs.len() < want && tokio::time::Instant::now() < deadline {
        for item in reader
            .next(Duration::from_millis(500))
            .await
            .unwrap_or_default()
        {
            match item {
                BusItem::Event(e) => seqs.push(e.seq),
                BusItem::Gap { from, to, .. } => panic!("unexpected gap {from}..={to}"),
            }
        }
    }
    seqs
}

#[tokio::test]
async fn every_replica_reads_the_writers_events_in_the_same_order() {
    let (replicas, _keys) = redis_replicas(3).await;
    let _beats = all_alive(&replicas).await;
    let Claim::Granted(lease) = claim_writer(&replicas[0], "room1").await else {
        panic!("the first claim must be granted");
    };
    assert!(matches!(
        claim_writer(&replicas[1], "room1").await,
        Claim::Held(_)
    ));
    for seq in 1..=20 {
        replicas[0]
            .bus
            .append(&lease, seq, Bytes::from(seq.to_string()))
            .await
            .unwrap_or_else(|e| panic!("append {seq}: {e}"));
    }
    let want: Vec<u64> = (1..=20).collect();
    for replica in &replicas {
        assert_eq!(read_seqs(replica, "room1", 20).await, want);
    }
}

#[tokio::test]
async fn a_dead_writers_room_passes_to_a_survivor_with_its_unacked_commands() {
    let (replicas, _keys) = redis_replicas(2).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let mut beats = all_alive(&replicas).await;
    let _beat_b = beats.pop();
    let beat_a = beats.pop();
    let old: Lease = match claim_writer(a, "room1").await {
        Claim::Granted(lease) => lease,
        Claim::Held(info) => panic!("held by {info:?}"),
    };
    let forwarded = b
        .commands
        .forward("room1", "req-1", Bytes::from_static(b"pause"))
        .await;
    assert_eq!(forwarded.ok(), Some(Forwarded::Queued));

    let (mut deaths, _watch) = spawn_death_watch(
        b.nodes.clone(),
        DeathDetector::for_node("node-1", Duration::from_secs(2)),
        Duration::from_millis(100),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(beat_a);
    let dead = tokio::time::timeout(Duration::from_secs(10), deaths.recv())
        .await
        .unwrap_or_else(|_| panic!("node-0's death was not reported within 10 s"));
    assert_eq!(dead.as_deref(), Some("node-0"));

    // The survivor claims as soon as it learns of the death.
    let new = match claim_writer(b, "room1").await {
        Claim::Granted(lease) => lease,
        Claim::Held(info) => panic!("a dead node's lease must be claimable: {info:?}"),
    };
    assert!(new.epoch > old.epoch);
    let stale = a.bus.append(&old, 1, Bytes::from_static(b"late")).await;
    assert!(
        matches!(stale, Err(ClusterError::Fenced { .. })),
        "{stale:?}"
    );

    let mut commands = b
        .commands
        .reader()
        .unwrap_or_else(|e| panic!("reader: {e}"));
    commands.follow("room1");
    let pending = commands
        .next(Duration::from_secs(2))
        .await
        .unwrap_or_else(|e| panic!("read commands: {e}"));
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].request_id, "req-1");
    assert!(b.commands.ack(&new, &pending[0].id).await.is_ok());
}
