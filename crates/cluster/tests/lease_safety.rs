//! Two holders never overlap: a claim succeeds once the holder's node record
//! is gone, so a kept lease gives up before its node's record can expire,
//! even while its own renewals still succeed. Run on a private
//! `redis-server` and on the in-process cluster.

mod support;

use std::time::Duration;

use cluster::{
    spawn_heartbeat, Claim, Cluster, ClusterConfig, KeptLease, LeaseLost, NodeInfo, NodeLoad,
    Timing,
};
use support::{redis_replicas_at, RedisServer};

/// A check period long enough that the keeper's margin (one check) is
/// well above the scheduling noise of a busy machine.
fn timing() -> Timing {
    Timing {
        ttl: Duration::from_secs(3),
        refresh_every: Duration::from_millis(500),
        check_every: Duration::from_millis(500),
    }
}

fn node(id: &str) -> NodeInfo {
    NodeInfo {
        id: id.to_owned(),
        http_addr: String::new(),
        rtmp_addr: String::new(),
        started_at: 0,
        load: NodeLoad::default(),
    }
}

fn beat(c: &Cluster, id: &str) -> cluster::TaskGuard {
    let t = timing();
    spawn_heartbeat(
        c.nodes.clone(),
        node(id),
        NodeLoad::default,
        t.refresh_every,
        t.ttl,
    )
}

/// `holder` (node-0) keeps a stream lease while its heartbeat stops;
/// `other` (node-1) claims with another token until it is granted. By then
/// the keeper must have given up.
async fn the_holder_stops_before_its_node_record_can_expire(holder: &Cluster, other: &Cluster) {
    let _other_beat = beat(other, "node-1");
    let holder_beat = beat(holder, "node-0");
    // The first heartbeat lands at once; wait until node-0 is listed.
    let listed = tokio::time::timeout(Duration::from_secs(5), async {
        while !holder.nodes.is_alive("node-0").await.unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert!(listed.await.is_ok(), "node-0 never announced itself");
    let lease = match holder.streams.claim("room1", "node-0", "pub-a").await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("node-0's claim: {other:?}"),
    };
    let mut kept = KeptLease::spawn(holder.streams.clone(), lease, timing());
    let refused = other.streams.claim("room1", "node-1", "pub-b").await;
    assert!(
        matches!(refused, Ok(Claim::Held(_))),
        "another token is refused while node-0 lives: {refused:?}"
    );

    // node-0's heartbeat stops; its lease renewals go on.
    drop(holder_beat);
    let bound = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let claim = other.streams.claim("room1", "node-1", "pub-b").await;
        if matches!(claim, Ok(Claim::Granted(_))) {
            break;
        }
        assert!(
            std::time::Instant::now() < bound,
            "node-1 never got the stream of a node without heartbeat: {claim:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lost = tokio::time::timeout(Duration::ZERO, kept.lost()).await;
    assert_eq!(
        lost.ok(),
        Some(LeaseLost::Expired),
        "node-1 was granted the stream while node-0 still held it"
    );
}

#[tokio::test]
async fn on_redis_the_holder_stops_before_its_node_record_can_expire() {
    let server = RedisServer::start();
    let (replicas, _keys) = redis_replicas_at(&server.url(), 2, timing()).await;
    the_holder_stops_before_its_node_record_can_expire(&replicas[0], &replicas[1]).await;
}

#[tokio::test]
async fn in_process_the_holder_stops_before_its_node_record_can_expire() {
    let mut config = ClusterConfig::new("node-0");
    config.timing = timing();
    let cluster = Cluster::memory(config);
    the_holder_stops_before_its_node_record_can_expire(&cluster, &cluster).await;
}
