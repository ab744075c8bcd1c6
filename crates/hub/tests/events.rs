//! The hub's lifecycle events, as a consumer of `Hub::events` sees them.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use hub::{EventsError, Hub, HubConfig, HubEvents, StreamEvent};

mod common;
use common::{video, video_config};

fn hub() -> Hub {
    Hub::new(HubConfig::default(), None)
}

/// The next event, failing clearly if none comes (time is paused, so the
/// wait costs nothing).
async fn next(events: &mut HubEvents) -> StreamEvent {
    tokio::time::timeout(Duration::from_secs(60), events.recv())
        .await
        .expect("no hub event came")
        .unwrap()
}

/// Asserts that no event comes while the hub settles and time moves on.
async fn assert_quiet(events: &mut HubEvents) {
    let got = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
    assert!(got.is_err(), "unexpected hub event: {got:?}");
}

fn started(name: &str, epoch: u64) -> StreamEvent {
    StreamEvent::Started {
        name: name.to_owned(),
        epoch,
    }
}

fn ended(name: &str, epoch: u64) -> StreamEvent {
    StreamEvent::Ended {
        name: name.to_owned(),
        epoch,
    }
}

fn viewers(name: &str, count: usize) -> StreamEvent {
    StreamEvent::Viewers {
        name: name.to_owned(),
        count,
    }
}

#[tokio::test(start_paused = true)]
async fn a_stream_is_told_started_then_ended_once_each() {
    let hub = hub();
    let mut events = hub.events();
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    publisher.send(video(0, true)).await.unwrap();
    assert_eq!(next(&mut events).await, started("s", 1));
    assert_quiet(&mut events).await;
    drop(publisher);
    assert_eq!(next(&mut events).await, ended("s", 1));
    assert_quiet(&mut events).await;
}

#[tokio::test(start_paused = true)]
async fn a_takeover_is_told_with_the_new_epoch_and_the_old_publisher_ends_nothing() {
    let hub = hub();
    let mut events = hub.events();
    let first = hub.publish("s").await;
    let second = hub.publish("s").await;
    assert_eq!(next(&mut events).await, started("s", 1));
    let taken_over = StreamEvent::TakenOver {
        name: "s".to_owned(),
        epoch: 2,
    };
    assert_eq!(next(&mut events).await, taken_over);
    assert_eq!(hub.streams()[0].epoch, 2, "the state events change");
    drop(first);
    assert_quiet(&mut events).await;
    drop(second);
    assert_eq!(next(&mut events).await, ended("s", 2));
}

#[tokio::test(start_paused = true)]
async fn viewer_counts_are_told_on_change_and_close_changes_merge() {
    let hub = hub();
    let publisher = hub.publish("s").await;
    let mut events = hub.events();
    let one = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_eq!(next(&mut events).await, viewers("s", 1));
    // Two more within the report period: one event, with the count then.
    let two = hub.subscribe("s", Duration::ZERO).await.unwrap();
    let three = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_eq!(next(&mut events).await, viewers("s", 3));
    // A change undone within the period after a report is no change.
    drop(three);
    let three = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_quiet(&mut events).await;
    // The first change after a quiet spell is told at once.
    drop(three);
    assert_eq!(next(&mut events).await, viewers("s", 2));
    drop((one, two));
    assert_eq!(next(&mut events).await, viewers("s", 0));
    drop(publisher);
    assert_eq!(next(&mut events).await, ended("s", 1));
}

#[tokio::test(start_paused = true)]
async fn a_relay_is_served_but_not_counted_as_a_viewer() {
    let hub = hub();
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    publisher.send(video(0, true)).await.unwrap();
    let mut events = hub.events();
    let mut relay = hub.subscribe_relay("s", Duration::ZERO).await.unwrap();
    assert!(!relay.next().await.unwrap().is_empty());
    assert_eq!(hub.streams()[0].viewers, 0);
    assert_quiet(&mut events).await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_that_falls_behind_is_told_it_lagged_and_never_holds_streams_up() {
    let hub = hub();
    let mut events = hub.events();
    // Far more events than the ring holds, none of them read.
    for i in 0..1500 {
        let publisher = hub.publish(&format!("s{i}")).await;
        publisher.send(video(0, true)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(hub.streams().is_empty(), "every stream ended on its own");
    match events.recv().await {
        Err(EventsError::Lagged { missed }) => assert!(missed > 0),
        other => panic!("expected a lag, got {other:?}"),
    }
    // The consumer goes on receiving: what the ring still holds (it may
    // lag again while that is overwritten), then what happens next.
    let publisher = hub.publish("after").await;
    let mut last = None;
    while let Ok(received) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
        match received {
            Ok(event) => last = Some(event),
            Err(EventsError::Lagged { .. }) => {}
            Err(EventsError::Closed) => panic!("the hub is still there"),
        }
    }
    assert_eq!(last, Some(started("after", 1)));
    drop(publisher);
}
