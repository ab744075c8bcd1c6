//! Stream ownership through the relay, the same bodies on the in-process
//! cluster and on the machine's Redis (under a fresh key prefix, deleted
//! afterwards): claims, takeover by the same key, refusal of another key,
//! release, and a dead owner's stream claimed at once.

mod support;

use std::time::Duration;

use live::Refusal;
use support::{in_memory, on_redis, Replica, BOUND};

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
