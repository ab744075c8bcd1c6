//! The hub runtime driven through its public API, time paused where waits matter.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use hub::{Hub, HubConfig, HubError, SubscriptionEnd};

mod common;
use common::{audio, video, video_config};

fn hub() -> Hub {
    Hub::new(HubConfig::default(), None)
}

/// Lets the stream actor handle what was sent to it (the tests run on one
/// thread: each yield runs the actor until it waits again). New viewers are
/// answered before queued frames, so a test that wants frames in a
/// viewer's snapshot settles first.
async fn settle() {
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
}

async fn dts_of_next(sub: &mut hub::Subscription) -> Vec<i64> {
    sub.next()
        .await
        .unwrap()
        .iter()
        .map(|p| p.frame.dts)
        .collect()
}

#[tokio::test]
async fn a_viewer_joining_midstream_starts_at_the_cached_keyframe() {
    let hub = hub();
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    for (i, key) in [true, false, true, false].into_iter().enumerate() {
        publisher.send(video(i as i64 * 40, key)).await.unwrap();
    }
    settle().await;
    let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_eq!(dts_of_next(&mut sub).await, [0, 80, 120]);
    publisher.send(video(160, false)).await.unwrap();
    assert_eq!(dts_of_next(&mut sub).await, [160]);
    assert_eq!(hub.streams()[0].viewers, 1);
}

#[tokio::test]
async fn audio_waits_for_the_next_video_frame_but_nothing_is_duplicated() {
    let hub = hub();
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    publisher.send(video(0, true)).await.unwrap();
    publisher.send(audio(10)).await.unwrap();
    settle().await;
    let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
    publisher.send(audio(30)).await.unwrap();
    publisher.send(video(40, false)).await.unwrap();
    // The audio still waiting when the viewer joined comes with the next
    // batch, not in the snapshot as well.
    assert_eq!(dts_of_next(&mut sub).await, [0, 0]);
    assert_eq!(dts_of_next(&mut sub).await, [10, 30, 40]);
}

#[tokio::test(start_paused = true)]
async fn a_viewer_who_comes_early_is_held_until_the_publisher_starts() {
    let hub = hub();
    let waiting = {
        let hub = hub.clone();
        tokio::spawn(async move { hub.subscribe("s", Duration::from_secs(10)).await })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let publisher = hub.publish("s").await;
    let mut sub = waiting.await.unwrap().unwrap();
    publisher.send(video_config()).await.unwrap();
    publisher.send(video(0, true)).await.unwrap();
    assert!(!sub.next().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_viewer_is_told_not_found_when_nobody_publishes_in_time() {
    let hub = hub();
    let started = tokio::time::Instant::now();
    let result = hub.subscribe("s", Duration::from_secs(10)).await;
    assert_eq!(result.unwrap_err(), HubError::NotFound { name: "s".into() });
    assert_eq!(started.elapsed(), Duration::from_secs(10));
}

#[tokio::test]
async fn reconnecting_publisher_takes_over_its_own_stream() {
    let hub = hub();
    let mut old = hub.publish("s").await;
    old.send(video_config()).await.unwrap();
    old.send(video(5000, true)).await.unwrap();
    settle().await;
    let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
    sub.next().await.unwrap();

    let new = hub.publish("s").await;
    old.replaced().await;
    assert!(matches!(
        old.send(video(5040, false)).await,
        Err(HubError::Replaced { .. })
    ));
    drop(old); // the old connection closing must not end the new stream
    new.send(video_config()).await.unwrap();
    new.send(video(0, true)).await.unwrap();
    let batch = sub.next().await.unwrap();
    let dts: Vec<i64> = batch.iter().map(|p| p.frame.dts).collect();
    assert_eq!(dts, [5020]);
    let batch = sub.next().await.unwrap();
    assert!(batch[0].frame.is_video_keyframe());
    assert!(batch[0].frame.dts > 5000, "timeline stays continuous");
    assert_eq!(hub.streams().len(), 1);
}

#[tokio::test]
async fn the_stream_ends_when_its_publisher_leaves() {
    let hub = hub();
    let publisher = hub.publish("s").await;
    publisher.send(audio(0)).await.unwrap();
    let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
    drop(publisher);
    loop {
        match sub.next().await {
            Ok(_) => continue,
            Err(end) => {
                assert_eq!(end, SubscriptionEnd::StreamEnded);
                break;
            }
        }
    }
    tokio::task::yield_now().await;
    assert!(hub.streams().is_empty());
}

#[tokio::test]
async fn a_viewer_that_never_reads_is_cut_off_and_memory_stays_bounded() {
    let config = HubConfig {
        ring_batches: 8,
        max_lags: 2,
        ..HubConfig::default()
    };
    let hub = Hub::new(config, None);
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    let mut slow = hub.subscribe("s", Duration::ZERO).await.unwrap();
    let mut fast = hub.subscribe("s", Duration::ZERO).await.unwrap();
    fast.next().await.unwrap();
    slow.next().await.unwrap();
    let mut ended = None;
    for round in 0..5 {
        for i in 0..20 {
            let dts = (round * 20 + i) * 40;
            publisher.send(video(dts, i % 10 == 0)).await.unwrap();
            fast.next().await.unwrap();
        }
        // The slow viewer reads a little, falls behind by a whole ring each round.
        if let Some(Err(end)) = slow.try_next() {
            ended = Some(end);
        }
        if ended.is_some() {
            break;
        }
    }
    assert_eq!(ended, Some(SubscriptionEnd::TooSlow));
}
