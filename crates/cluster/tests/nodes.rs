//! Node registry behaviour, the same for the in-process and Redis registries.

#[macro_use]
mod support;

use std::sync::Arc;
use std::time::Duration;

use cluster::{spawn_death_watch, spawn_heartbeat, Cluster, DeathDetector, NodeInfo, NodeLoad};
use support::eventually;

fn node(id: &str, streams: u32) -> NodeInfo {
    NodeInfo {
        id: id.to_owned(),
        http_addr: format!("{id}.local:8080"),
        rtmp_addr: format!("{id}.local:1935"),
        started_at: 1_700_000_000_000,
        load: NodeLoad {
            streams,
            room_members: 3,
            ..NodeLoad::default()
        },
    }
}

async fn announced_nodes_are_listed_with_their_load(c: &Cluster) {
    let ttl = Duration::from_secs(15);
    c.nodes.announce(&node("b", 1), ttl).await.ok();
    c.nodes.announce(&node("a", 2), ttl).await.ok();
    let live = c.nodes.live_nodes().await.unwrap_or_default();
    assert_eq!(live, vec![node("a", 2), node("b", 1)]);
    assert!(c.nodes.is_alive("a").await.unwrap_or(false));
}

async fn a_node_whose_record_expired_is_dead(c: &Cluster) {
    c.nodes
        .announce(&node("brief", 0), Duration::from_millis(200))
        .await
        .ok();
    c.nodes
        .announce(&node("steady", 0), Duration::from_secs(15))
        .await
        .ok();
    assert!(c.nodes.is_alive("brief").await.unwrap_or(false));
    let ids = eventually(
        "the brief node to expire",
        Duration::from_secs(5),
        || async {
            let live = c.nodes.live_nodes().await.ok()?;
            let ids: Vec<String> = live.into_iter().map(|n| n.id).collect();
            (!ids.contains(&"brief".to_owned())).then_some(ids)
        },
    )
    .await;
    assert_eq!(ids, vec!["steady".to_owned()]);
    assert!(!c.nodes.is_alive("brief").await.unwrap_or(true));
}

async fn a_withdrawn_node_is_gone_at_once(c: &Cluster) {
    c.nodes
        .announce(&node("a", 0), Duration::from_secs(15))
        .await
        .ok();
    c.nodes.withdraw("a").await.ok();
    assert!(c.nodes.live_nodes().await.unwrap_or_default().is_empty());
}

async fn the_death_watch_reports_a_node_that_stops_refreshing(c: &Cluster) {
    let ttl = Duration::from_secs(1);
    let every = Duration::from_millis(100);
    let beating = spawn_heartbeat(c.nodes.clone(), node("x", 0), NodeLoad::default, every, ttl);
    let _other = spawn_heartbeat(c.nodes.clone(), node("y", 0), NodeLoad::default, every, ttl);
    eventually("both nodes to be live", Duration::from_secs(5), || async {
        let live = c.nodes.live_nodes().await.ok()?;
        (live.len() == 2).then_some(())
    })
    .await;
    let (mut deaths, _watch) = spawn_death_watch(Arc::clone(&c.nodes), DeathDetector::new(), every);
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(beating);
    let dead = tokio::time::timeout(Duration::from_secs(10), deaths.recv())
        .await
        .unwrap_or_else(|_| panic!("no death reported within 10 s"));
    assert_eq!(dead.as_deref(), Some("x"));
    assert!(c.nodes.is_alive("y").await.unwrap_or(false));
}

async fn a_refreshed_record_carries_the_current_load(c: &Cluster) {
    let every = Duration::from_millis(50);
    let load = Arc::new(std::sync::atomic::AtomicU32::new(1));
    let source = load.clone();
    let _beat = spawn_heartbeat(
        c.nodes.clone(),
        node("n", 0),
        move || NodeLoad {
            flv_viewers: source.load(std::sync::atomic::Ordering::Relaxed),
            ..NodeLoad::default()
        },
        every,
        Duration::from_secs(5),
    );
    load.store(42, std::sync::atomic::Ordering::Relaxed);
    eventually(
        "the new load to be published",
        Duration::from_secs(5),
        || async {
            let live = c.nodes.live_nodes().await.ok()?;
            live.iter().any(|n| n.load.flv_viewers == 42).then_some(())
        },
    )
    .await;
}

on_both!(
    announced_nodes_are_listed_with_their_load,
    a_node_whose_record_expired_is_dead,
    a_withdrawn_node_is_gone_at_once,
    the_death_watch_reports_a_node_that_stops_refreshing,
    a_refreshed_record_carries_the_current_load,
);
