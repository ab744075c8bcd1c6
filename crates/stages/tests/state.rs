//! One body run against the in-process state and against the machine's
//! Redis (127.0.0.1:6379) under a fresh key prefix, deleted afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use stages::{MemoryState, RedisState, RoomStages, Seat, Stage, StageState};

const REDIS: &str = "redis://127.0.0.1:6379/";

fn stage(id: &str, node: &str) -> Stage {
    Stage {
        id: id.into(),
        node: node.into(),
        capacity: 5,
        opened_at_ms: 0,
        replicate: false,
        replicating: false,
        last_viewer_ms: 0,
        warning: None,
        scaled_up: false,
    }
}

fn seat(viewer: &str, stage: &str, now_ms: u64) -> Seat {
    Seat {
        viewer: viewer.into(),
        stage: stage.into(),
        now_ms,
    }
}

async fn stages_and_heartbeats_behave(state: &dyn StageState) {
    let room = "room-1";
    let first = state.load(room).await.unwrap();
    assert_eq!(first.version, 0);
    let mut stages = RoomStages::default();
    stages.stages = vec![stage("s1", "a"), stage("s2", "b")];
    stages.next_id = 2;
    assert!(state
        .commit(room, 0, &stages, Some(&seat("v1", "s1", 1_000)))
        .await
        .unwrap());
    assert!(
        !state
            .commit(room, 0, &stages, Some(&seat("v2", "s1", 1_000)))
            .await
            .unwrap(),
        "a stale version is refused, and seats nobody"
    );
    assert_eq!(state.seat_of(room, "v2").await.unwrap(), None);
    assert!(state
        .commit(room, 1, &stages, Some(&seat("v2", "s2", 2_000)))
        .await
        .unwrap());
    assert!(state
        .commit(room, 2, &stages, Some(&seat("v3", "s2", 2_000)))
        .await
        .unwrap());
    assert_eq!(state.rooms().await.unwrap(), vec![room.to_owned()]);
    let loaded = state.load(room).await.unwrap();
    assert_eq!((loaded.version, loaded.stages.stages.len()), (3, 2));

    assert_eq!(
        state.beat(room, "v1", 9_000, 0).await.unwrap().as_deref(),
        Some("s1")
    );
    assert_eq!(state.beat(room, "nobody", 9_000, 0).await.unwrap(), None);
    assert_eq!(
        state.beat(room, "v2", 8_000, 0).await.unwrap().as_deref(),
        Some("s2")
    );
    assert_eq!(
        state.beat(room, "v3", 9_000, 5_000).await.unwrap(),
        None,
        "an expired viewer is not revived by a late beat"
    );
    let counts = state.counts(room, 5_000).await.unwrap();
    assert_eq!(counts.get("s1"), Some(&1));
    assert_eq!(counts.get("s2"), Some(&1), "v3 did not beat since 2 s");

    let ended = state.sweep(room, "s2", 5_000).await.unwrap();
    assert_eq!(ended.len(), 1);
    assert_eq!(
        (
            ended[0].viewer.as_str(),
            ended[0].started_ms,
            ended[0].last_beat_ms
        ),
        ("v3", 2_000, 2_000)
    );
    assert_eq!(state.seat_of(room, "v3").await.unwrap(), None);
    let all = state.sweep(room, "s2", u64::MAX).await.unwrap();
    assert_eq!(
        (all.len(), all[0].started_ms, all[0].last_beat_ms),
        (1, 2_000, 8_000)
    );

    stages.stages.clear();
    assert!(state.commit(room, 3, &stages, None).await.unwrap());
    assert!(
        state.rooms().await.unwrap().is_empty(),
        "no stage left: not listed"
    );
}

#[tokio::test]
async fn in_process() {
    stages_and_heartbeats_behave(&MemoryState::new()).await;
}

#[tokio::test]
async fn on_redis_with_a_floor_after_a_loss() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("synctv-test-stages-{}-{nanos}:", std::process::id());
    let state = RedisState::connect(REDIS, &prefix).await.unwrap();
    stages_and_heartbeats_behave(&state).await;

    let room = "room-2";
    let mut stages = RoomStages::default();
    stages.stages = vec![stage("s1", "a")];
    assert!(state
        .commit(room, 0, &stages, Some(&seat("v1", "s1", 1_000)))
        .await
        .unwrap());
    let floor = HashMap::from([("s1".to_owned(), 7)]);
    let until = cluster::unix_ms() + 60_000;
    state.restore_floor(room, &floor, until).await.unwrap();
    assert_eq!(state.counts(room, 0).await.unwrap().get("s1"), Some(&7));

    let client = redis::Client::open(REDIS).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}
