//! Stream ownership and room-writer leases, the same for the in-process
//! leases and the Redis scripts.

#[macro_use]
mod support;

use std::time::Duration;

use cluster::{Claim, Cluster, KeptLease, Lease, LeaseLost, Leases, NodeInfo, NodeLoad};
use support::{eventually, test_timing};

async fn alive(c: &Cluster, id: &str) {
    let info = NodeInfo {
        id: id.to_owned(),
        http_addr: String::new(),
        rtmp_addr: String::new(),
        started_at: 0,
        load: NodeLoad::default(),
    };
    c.nodes
        .announce(&info, Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("announce {id}: {e}"));
}

async fn claim(leases: &dyn Leases, room: &str, node: &str, token: &str) -> Claim {
    leases
        .claim(room, node, token)
        .await
        .unwrap_or_else(|e| panic!("claim {room} on {node}: {e}"))
}

async fn granted(leases: &dyn Leases, room: &str, node: &str, token: &str) -> Lease {
    match claim(leases, room, node, token).await {
        Claim::Granted(lease) => lease,
        Claim::Held(info) => panic!("claim of {room} by {node} refused: held by {info:?}"),
    }
}

async fn the_same_publisher_pushing_elsewhere_takes_the_stream_over(c: &Cluster) {
    alive(c, "n1").await;
    alive(c, "n2").await;
    let first = granted(&*c.streams, "room1", "n1", "pub-a").await;
    let second = granted(&*c.streams, "room1", "n2", "pub-a").await;
    assert!(second.epoch > first.epoch, "{second:?} after {first:?}");
    let holder = c.streams.holder("room1").await.ok().flatten();
    assert_eq!(holder.map(|h| h.lease), Some(second.clone()));
    assert!(matches!(
        c.streams.renew(&first).await,
        Err(cluster::ClusterError::Fenced { .. })
    ));
    assert!(c.streams.renew(&second).await.is_ok());
}

async fn another_publisher_is_refused_while_the_owner_node_lives(c: &Cluster) {
    alive(c, "n1").await;
    let owner = granted(&*c.streams, "room1", "n1", "pub-a").await;
    match claim(&*c.streams, "room1", "n2", "pub-b").await {
        Claim::Held(info) => assert_eq!(info.lease, owner),
        Claim::Granted(lease) => panic!("{lease:?} granted over a live owner"),
    }
}

async fn a_stream_whose_owner_node_is_dead_is_claimed_at_once(c: &Cluster) {
    // n1 never announced itself (or its record expired): it is dead.
    let orphan = granted(&*c.streams, "room1", "n1", "pub-a").await;
    let taken = granted(&*c.streams, "room1", "n2", "pub-b").await;
    assert!(taken.epoch > orphan.epoch);
}

async fn an_unrenewed_lease_expires_and_is_free(c: &Cluster) {
    alive(c, "n1").await;
    granted(&*c.room_writers, "room1", "n1", "n1").await;
    let lease = eventually("the lease to expire", Duration::from_secs(10), || async {
        match c.room_writers.claim("room1", "n2", "n2").await.ok()? {
            Claim::Granted(lease) => Some(lease),
            Claim::Held(_) => None,
        }
    })
    .await;
    assert_eq!(lease.node, "n2");
}

async fn release_deletes_only_the_current_epoch(c: &Cluster) {
    alive(c, "n1").await;
    let old = granted(&*c.streams, "room1", "n1", "pub").await;
    let current = granted(&*c.streams, "room1", "n1", "pub").await;
    assert!(!c.streams.release(&old).await.unwrap_or(true));
    assert!(c.streams.holder("room1").await.ok().flatten().is_some());
    assert!(c.streams.release(&current).await.unwrap_or(false));
    assert!(c.streams.holder("room1").await.ok().flatten().is_none());
}

async fn active_lists_every_current_lease(c: &Cluster) {
    alive(c, "n1").await;
    let a = granted(&*c.streams, "a", "n1", "pa").await;
    let b = granted(&*c.streams, "b", "n1", "pb").await;
    let active: Vec<Lease> = c
        .streams
        .active()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.lease)
        .collect();
    assert_eq!(active, vec![a.clone(), b]);
    c.streams.release(&a).await.ok();
    let active = c.streams.active().await.unwrap_or_default();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].lease.resource, "b");
}

async fn streams_and_room_writers_are_separate_leases(c: &Cluster) {
    alive(c, "n1").await;
    granted(&*c.streams, "room1", "n1", "pub").await;
    assert!(c
        .room_writers
        .holder("room1")
        .await
        .ok()
        .flatten()
        .is_none());
    granted(&*c.room_writers, "room1", "n2", "n2").await;
}

async fn a_kept_lease_learns_of_a_takeover_within_two_seconds(c: &Cluster) {
    alive(c, "n1").await;
    alive(c, "n2").await;
    let lease = granted(&*c.streams, "room1", "n1", "pub").await;
    let mut kept = KeptLease::spawn(c.streams.clone(), lease, test_timing());
    granted(&*c.streams, "room1", "n2", "pub").await;
    let why = tokio::time::timeout(Duration::from_secs(2), kept.lost())
        .await
        .unwrap_or_else(|_| panic!("the old owner did not learn of the takeover within 2 s"));
    assert_eq!(why, LeaseLost::Fenced);
}

async fn a_kept_lease_outlives_its_ttl(c: &Cluster) {
    alive(c, "n1").await;
    let lease = granted(&*c.room_writers, "room1", "n1", "n1").await;
    let mut kept = KeptLease::spawn(c.room_writers.clone(), lease.clone(), test_timing());
    let ttl = test_timing().ttl;
    let lost = tokio::time::timeout(ttl * 2, kept.lost()).await;
    assert!(lost.is_err(), "kept lease was lost: {lost:?}");
    let holder = c.room_writers.holder("room1").await.ok().flatten();
    assert_eq!(holder.map(|h| h.lease), Some(lease));
}

on_both!(
    the_same_publisher_pushing_elsewhere_takes_the_stream_over,
    another_publisher_is_refused_while_the_owner_node_lives,
    a_stream_whose_owner_node_is_dead_is_claimed_at_once,
    an_unrenewed_lease_expires_and_is_free,
    release_deletes_only_the_current_epoch,
    active_lists_every_current_lease,
    streams_and_room_writers_are_separate_leases,
    a_kept_lease_learns_of_a_takeover_within_two_seconds,
    a_kept_lease_outlives_its_ttl,
);
