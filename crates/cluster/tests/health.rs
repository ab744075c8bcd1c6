//! The health ping behind `/readyz`: a private `redis-server` is killed and
//! started again; the ping fails while it is gone and answers again by
//! itself, and each failure is counted as a Redis error.

mod support;

use std::time::Duration;

use cluster::{Cluster, ClusterConfig};
use support::{eventually, memory_cluster, redis_cluster_at, RedisServer};

const PING_WITHIN: Duration = Duration::from_secs(1);

#[tokio::test]
async fn the_in_process_cluster_is_always_healthy_and_not_distributed() {
    let (cluster, _guard) = memory_cluster();
    assert!(!cluster.is_distributed());
    cluster
        .ping(PING_WITHIN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn connecting_without_a_redis_url_gives_the_in_process_cluster() {
    let cluster = Cluster::connect(ClusterConfig::new("solo"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!cluster.is_distributed());
}

#[tokio::test]
async fn the_ping_fails_while_redis_is_down_and_recovers_by_itself() {
    let mut redis = RedisServer::start();
    let (cluster, _keys) = redis_cluster_at(&redis.url()).await;
    assert!(cluster.is_distributed());
    cluster
        .ping(PING_WITHIN)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let errors_before = cluster.metrics.redis_errors();

    redis.kill();
    eventually("the ping to fail", Duration::from_secs(10), || async {
        cluster.ping(PING_WITHIN).await.err()
    })
    .await;
    assert!(cluster.metrics.redis_errors() > errors_before);

    redis.spawn();
    eventually(
        "the ping to answer again",
        Duration::from_secs(15),
        || async { cluster.ping(PING_WITHIN).await.ok() },
    )
    .await;
}
