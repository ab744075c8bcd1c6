//! HLS of a stream owned by another replica, on the machine's Redis (fresh
//! key prefix): a stream marked ended is served again as soon as it has a
//! live owner, and concurrent requests for one file make one request to the
//! owner. The owner's HLS listener is a small HTTP origin that counts what
//! it is asked.

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use live::{RemoteHls, Replicas};
use support::{on_redis, redis_replicas, refusing_addr, Origin, Replica, BOUND};

/// What the HTTP route does: an ended mark first, then the owner.
async fn hls(replica: &Replica, file: &str) -> RemoteHls {
    if replica.relay.is_ended("show") {
        return RemoteHls::Ended;
    }
    replica.relay.remote_hls("show", file).await
}

fn served(path: &str) -> RemoteHls {
    RemoteHls::Found(Bytes::from(format!("served {path}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_ended_is_served_again_once_it_is_re_pushed_elsewhere() {
    let (replicas, _keys) = redis_replicas(&["node-a", "node-b", "node-c"]).await;
    let [a, b, c] = <[Replica; 3]>::try_from(replicas)
        .unwrap_or_else(|_| panic!("three replicas were asked for"));
    // A owns the stream and crashed: its record is still there, its HTTP
    // port refuses connections.
    a.announce(&refusing_addr()).await;
    let _owned_a = a.claim("k1").await.expect("A claims the stream");
    assert_eq!(hls(&b, "index.m3u8").await, RemoteHls::Ended);
    assert!(b.relay.is_ended("show"), "B marked the stream ended");

    // The streamer pushes the same key to C.
    let origin = Origin::start(Duration::ZERO).await;
    c.announce(&origin.addr).await;
    let _owned_c = c.claim("k1").await.expect("the same key takes over on C");
    let deadline = Instant::now() + BOUND;
    loop {
        let answer = hls(&b, "index.m3u8").await;
        if answer == served("/hls/show/index.m3u8") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B still answers {answer:?} for a stream live on C"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!b.relay.is_ended("show"), "the ended mark is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_owner_is_gone_stays_ended_while_nobody_holds_it() {
    let (a, b, _keys) = on_redis().await;
    a.announce(&refusing_addr()).await;
    let owned = a.claim("k1").await.expect("A claims the stream");
    assert_eq!(hls(&b, "index.m3u8").await, RemoteHls::Ended);
    drop(owned);
    let deadline = Instant::now() + BOUND;
    while a.owner().await.is_some() {
        assert!(Instant::now() < deadline, "A's lease was not released");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Past the short negative cache, the lease is read again: still nobody.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(!b.relay.is_ended("show"), "the mark is re-checked");
    assert_eq!(
        b.relay.remote_hls("show", "index.m3u8").await,
        RemoteHls::Ended
    );
    assert!(b.relay.is_ended("show"), "the lease confirmed the mark");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_for_one_file_make_one_request_to_the_owner() {
    let (a, b, _keys) = on_redis().await;
    // The owner takes a while to answer, so every request below overlaps.
    let origin = Origin::start(Duration::from_millis(500)).await;
    a.announce(&origin.addr).await;
    let _owned = a.claim("k1").await.expect("A claims the stream");
    for file in ["7.ts", "index.m3u8"] {
        let asked: Vec<_> = (0..8)
            .map(|_| {
                let relay = b.relay.clone();
                tokio::spawn(async move { relay.remote_hls("show", file).await })
            })
            .collect();
        for answer in asked {
            let answer = answer.await.unwrap_or(RemoteHls::Unavailable);
            assert_eq!(answer, served(&format!("/hls/show/{file}")));
        }
        let path = format!("/hls/show/{file}");
        assert_eq!(origin.hits(&path), 1, "requests to the owner for {file}");
    }
    // A segment fetched is served from the cache afterwards.
    assert_eq!(
        b.relay.remote_hls("show", "7.ts").await,
        served("/hls/show/7.ts")
    );
    assert_eq!(origin.hits("/hls/show/7.ts"), 1);
    assert_eq!(origin.requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_missing_from_a_registry_that_lost_this_node_too_is_not_called_dead() {
    let (a, b, _keys) = on_redis().await;
    let _owned = a.claim("k1").await.expect("A claims the stream");
    // Redis lost every node record (a restart); the lease is still there.
    let prefix = &b.cluster.config.key_prefix;
    support::redis_del(&[
        format!("{prefix}node:node-a"),
        format!("{prefix}node:node-b"),
    ]);
    assert_eq!(
        b.relay.remote_hls("show", "index.m3u8").await,
        RemoteHls::Unavailable,
        "a listing without this node does not show the owner dead"
    );
    assert!(!b.relay.is_ended("show"));
    // B announces itself again, A never does: one TTL later A is dead.
    b.announce(&b.silent_addr()).await;
    let deadline = Instant::now() + BOUND;
    loop {
        let answer = b.relay.remote_hls("show", "index.m3u8").await;
        if answer == RemoteHls::Ended {
            break;
        }
        assert_eq!(answer, RemoteHls::Unavailable);
        assert!(Instant::now() < deadline, "A was never found dead");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
