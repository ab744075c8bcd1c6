//! Viewers whose writes the stream actor makes: every batch exactly once and
//! in order, whether the actor or the viewer's own task writes it.
#![allow(clippy::unwrap_used)]

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use hub::{Batch, Detached, DirectSink, Hub, HubConfig, Offer, Subscription, SubscriptionEnd};

mod common;
use common::{audio, video, video_config};

/// A socket that takes `room` batches, then is full (or fails).
#[derive(Default)]
struct Socket {
    written: Vec<i64>,
    /// Offers that wrote something.
    writes: usize,
    room: usize,
    broken: bool,
}

struct TestSink(Arc<Mutex<Socket>>);

impl DirectSink for TestSink {
    fn offer(&mut self, batches: &[Batch]) -> Offer {
        let mut socket = self.0.lock().unwrap();
        if socket.broken {
            return Offer::Failed(io::ErrorKind::BrokenPipe.into());
        }
        let taken = batches.len().min(socket.room);
        socket.room -= taken;
        let dts = |b: &[Batch]| -> Vec<i64> {
            b.iter()
                .flat_map(|b| b.iter())
                .map(|p| p.frame.dts)
                .collect()
        };
        socket.written.extend(dts(&batches[..taken]));
        socket.writes += usize::from(taken > 0);
        if taken == batches.len() {
            return Offer::Taken;
        }
        let rest = dts(&batches[taken..]);
        Offer::Full(rest.iter().map(|d| Bytes::from(d.to_string())).collect())
    }
}

fn socket(room: usize) -> (Arc<Mutex<Socket>>, Box<dyn DirectSink>) {
    let state = Arc::new(Mutex::new(Socket {
        room,
        ..Socket::default()
    }));
    (state.clone(), Box::new(TestSink(state)))
}

async fn returned(attachment: &mut hub::Attachment) -> hub::Returned {
    let returned = tokio::time::timeout(Duration::from_secs(5), attachment.returned());
    returned.await.unwrap()
}

fn leftover_dts(detached: Detached) -> Vec<i64> {
    let Detached::Write(bytes) = detached else {
        panic!("expected bytes to write, got {detached:?}");
    };
    bytes
        .iter()
        .map(|b| std::str::from_utf8(b).unwrap().parse().unwrap())
        .collect()
}

async fn dts_of_next(sub: &mut Subscription) -> Vec<i64> {
    let batch = tokio::time::timeout(Duration::from_secs(5), sub.next()).await;
    batch
        .unwrap()
        .unwrap()
        .iter()
        .map(|p| p.frame.dts)
        .collect()
}

/// The timestamps of the next `count` packets (a new viewer may get the
/// packets still queued to the actor from the ring, after its snapshot).
async fn dts_until(sub: &mut Subscription, count: usize) -> Vec<i64> {
    let mut seen = Vec::new();
    while seen.len() < count {
        seen.extend(dts_of_next(sub).await);
    }
    seen
}

/// The default tuning with a ring of `batches`.
fn with_ring(batches: usize) -> HubConfig {
    HubConfig {
        ring_batches: batches,
        ..HubConfig::default()
    }
}

/// A stream with a keyframe at 0 and a viewer that has read the cache.
async fn caught_up_viewer(config: HubConfig) -> (Hub, hub::Publisher, Subscription) {
    let hub = Hub::new(config, None);
    let publisher = hub.publish("s").await;
    publisher.send(video_config()).await.unwrap();
    publisher.send(video(0, true)).await.unwrap();
    let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_eq!(dts_until(&mut sub, 2).await, [0, 0]);
    assert!(sub.caught_up());
    (hub, publisher, sub)
}

#[tokio::test]
async fn a_full_socket_hands_the_writes_back_and_nothing_is_lost_or_doubled() {
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let (socket, sink) = socket(3);
    let mut attachment = sub.attach(sink).await;
    for n in 1..=6 {
        publisher.send(video(n * 40, false)).await.unwrap();
    }
    // All six were waiting, so the actor offered them in one write.
    let returned = returned(&mut attachment).await;
    assert_eq!(leftover_dts(sub.resume(returned)), [160, 200, 240]);
    assert_eq!(socket.lock().unwrap().written, [40, 80, 120]);
    publisher.send(video(280, false)).await.unwrap();
    assert_eq!(dts_of_next(&mut sub).await, [280]);
}

#[tokio::test]
async fn a_viewer_that_asks_gets_its_writes_back_after_whole_batches() {
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let (socket, sink) = socket(100);
    let attachment = sub.attach(sink).await;
    publisher.send(video(40, false)).await.unwrap();
    publisher.send(video(80, false)).await.unwrap();
    let returned = attachment.detach().await;
    assert_eq!(leftover_dts(sub.resume(returned)), Vec::<i64>::new());
    publisher.send(video(120, false)).await.unwrap();
    let mut seen = socket.lock().unwrap().written.clone();
    assert!(!seen.is_empty(), "the actor wrote before letting go");
    while seen.last() != Some(&120) {
        seen.extend(dts_of_next(&mut sub).await);
    }
    assert_eq!(seen, [40, 80, 120]);
    assert!(sub.caught_up(), "and may attach again");
}

#[tokio::test]
async fn a_viewer_behind_when_it_attaches_gets_what_it_missed_first() {
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    publisher.send(video(40, false)).await.unwrap();
    publisher.send(video(80, false)).await.unwrap();
    let (socket, sink) = socket(2);
    let mut attachment = sub.attach(sink).await;
    publisher.send(video(120, false)).await.unwrap();
    let returned = returned(&mut attachment).await;
    assert_eq!(leftover_dts(sub.resume(returned)), [120]);
    assert_eq!(socket.lock().unwrap().written, [40, 80]);
}

#[tokio::test]
async fn a_viewer_the_ring_overran_before_it_attached_skips_to_a_keyframe() {
    let config = with_ring(2);
    let (_hub, publisher, mut sub) = caught_up_viewer(config).await;
    for n in 1..=5 {
        publisher.send(video(n * 40, false)).await.unwrap();
    }
    let (socket, sink) = socket(100);
    let mut attachment = sub.attach(sink).await;
    let returned = returned(&mut attachment).await;
    assert_eq!(leftover_dts(sub.resume(returned)), Vec::<i64>::new());
    assert!(socket.lock().unwrap().written.is_empty());
    assert!(!sub.caught_up(), "waiting for a keyframe");
    publisher.send(video(240, false)).await.unwrap();
    publisher.send(video(280, true)).await.unwrap();
    assert_eq!(dts_of_next(&mut sub).await, [280]);
}

#[tokio::test]
async fn a_failed_write_ends_the_viewer() {
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let (socket, sink) = socket(100);
    socket.lock().unwrap().broken = true;
    let mut attachment = sub.attach(sink).await;
    publisher.send(video(40, false)).await.unwrap();
    let returned = returned(&mut attachment).await;
    assert!(
        matches!(sub.resume(returned), Detached::Failed(e) if e.kind() == io::ErrorKind::BrokenPipe)
    );
}

#[tokio::test]
async fn attached_viewers_learn_that_the_stream_ended() {
    let (hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let (socket, sink) = socket(100);
    let mut attachment = sub.attach(sink).await;
    publisher.send(video(40, false)).await.unwrap();
    drop(publisher);
    let returned = returned(&mut attachment).await;
    assert!(matches!(
        sub.resume(returned),
        Detached::Ended(SubscriptionEnd::StreamEnded)
    ));
    assert_eq!(socket.lock().unwrap().written, [40]);
    assert_eq!(hub.streams().len(), 0);
}

#[tokio::test]
async fn a_viewer_that_leaves_while_attached_is_forgotten() {
    let (hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let (socket, sink) = socket(100);
    let attachment = sub.attach(sink).await;
    drop(attachment);
    drop(sub);
    publisher.send(video(80, false)).await.unwrap();
    publisher.send(video(120, false)).await.unwrap();
    // The actor has handled both frames once a new viewer is answered.
    let mut other = hub.subscribe("s", Duration::ZERO).await.unwrap();
    dts_of_next(&mut other).await;
    assert!(
        socket.lock().unwrap().written.is_empty(),
        "no write after it left"
    );
    assert_eq!(hub.streams()[0].viewers, 1);
}

#[tokio::test]
async fn past_the_stream_s_limit_a_viewer_writes_for_itself() {
    let config = HubConfig {
        max_direct_viewers: 1,
        ..HubConfig::default()
    };
    let (hub, publisher, mut first) = caught_up_viewer(config).await;
    let mut second = hub.subscribe("s", Duration::ZERO).await.unwrap();
    assert_eq!(dts_until(&mut second, 2).await, [0, 0]);
    let (attached_socket, sink) = socket(100);
    let _attached = first.attach(sink).await;
    let (refused_socket, refused_sink) = socket(100);
    let mut refused = second.attach(refused_sink).await;
    let returned = returned(&mut refused).await;
    assert_eq!(leftover_dts(second.resume(returned)), Vec::<i64>::new());
    assert!(!second.caught_up(), "it does not ask again");
    publisher.send(video(40, false)).await.unwrap();
    assert_eq!(dts_of_next(&mut second).await, [40]);
    assert!(refused_socket.lock().unwrap().written.is_empty());
    let mut third = hub.subscribe("s", Duration::ZERO).await.unwrap();
    dts_of_next(&mut third).await;
    assert_eq!(
        attached_socket.lock().unwrap().written,
        [40],
        "the first one is written to"
    );
}

#[tokio::test]
async fn a_viewer_attaching_as_the_stream_ends_still_gets_every_frame() {
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    // Queued in this order before the actor runs: two frames, the end,
    // then the viewer's attach, which the actor never takes.
    publisher.send(video(40, false)).await.unwrap();
    publisher.send(video(80, false)).await.unwrap();
    drop(publisher);
    let (socket, sink) = socket(100);
    let mut attachment = sub.attach(sink).await;
    let returned = returned(&mut attachment).await;
    assert_eq!(leftover_dts(sub.resume(returned)), Vec::<i64>::new());
    assert_eq!(dts_until(&mut sub, 2).await, [40, 80]);
    assert!(matches!(
        sub.next().await,
        Err(SubscriptionEnd::StreamEnded)
    ));
    assert!(socket.lock().unwrap().written.is_empty());
}

/// A caught-up viewer of a stream that has ended, and whose actor is gone,
/// with one frame (dts 40) still unread in its ring.
async fn ended_with_one_frame_unread() -> Subscription {
    let (hub, publisher, sub) = caught_up_viewer(HubConfig::default()).await;
    publisher.send(video(40, false)).await.unwrap();
    drop(publisher);
    while !hub.streams().is_empty() {
        tokio::task::yield_now().await;
    }
    sub
}

#[tokio::test]
async fn a_viewer_attaching_after_the_stream_ended_reads_the_rest_itself() {
    let mut sub = ended_with_one_frame_unread().await;
    let (_socket, sink) = socket(100);
    let mut attachment = sub.attach(sink).await;
    let returned = returned(&mut attachment).await;
    assert_eq!(leftover_dts(sub.resume(returned)), Vec::<i64>::new());
    assert_eq!(dts_until(&mut sub, 1).await, [40]);
    assert!(matches!(
        sub.next().await,
        Err(SubscriptionEnd::StreamEnded)
    ));
}

/// What a viewer's task does (live's pumps): attach whenever caught up,
/// read the ring otherwise, until the subscription ends. Gives up after
/// `steps` rounds, which only a viewer that never ends needs.
async fn pump(sub: &mut Subscription, steps: usize) -> Option<Vec<i64>> {
    let mut read = Vec::new();
    for _ in 0..steps {
        if sub.caught_up() {
            let (_socket, sink) = socket(100);
            let mut attachment = sub.attach(sink).await;
            let returned = returned(&mut attachment).await;
            match sub.resume(returned) {
                Detached::Write(_) => continue,
                Detached::Ended(_) => return Some(read),
                Detached::Failed(e) => panic!("no write fails here: {e}"),
            }
        }
        match sub.next().await {
            Ok(batch) => read.extend(batch.iter().map(|p| p.frame.dts)),
            Err(_) => return Some(read),
        }
    }
    None
}

#[tokio::test]
async fn a_viewer_whose_attach_came_too_late_reads_to_the_end_without_attaching_again() {
    let mut sub = ended_with_one_frame_unread().await;
    assert_eq!(pump(&mut sub, 100).await, Some(vec![40]));

    // The same when the attach is queued behind the end.
    let (_hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    publisher.send(video(40, false)).await.unwrap();
    drop(publisher);
    assert_eq!(pump(&mut sub, 100).await, Some(vec![40]));
}

/// A socket that signals when it is first written to.
struct GateSink(Box<dyn DirectSink>, Arc<tokio::sync::Notify>);

impl DirectSink for GateSink {
    fn offer(&mut self, batches: &[Batch]) -> Offer {
        self.1.notify_one();
        self.0.offer(batches)
    }
}

type Viewers = Vec<(Arc<Mutex<Socket>>, Subscription, hub::Attachment)>;

/// A stream whose first attached viewer signals when a fan-out begins,
/// with enough attached viewers after it for a fan-out of several turns.
struct Audience {
    hub: Hub,
    publisher: hub::Publisher,
    fan_out_began: Arc<tokio::sync::Notify>,
    first: (Arc<Mutex<Socket>>, Subscription, hub::Attachment),
    viewers: Viewers,
}

async fn audience() -> Audience {
    let (hub, publisher, mut sub) = caught_up_viewer(HubConfig::default()).await;
    let fan_out_began = Arc::new(tokio::sync::Notify::new());
    let (gated, sink) = socket(100);
    let attachment = sub
        .attach(Box::new(GateSink(sink, fan_out_began.clone())))
        .await;
    let mut viewers = Vec::new();
    for _ in 0..300 {
        let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
        assert_eq!(dts_until(&mut sub, 2).await, [0, 0]);
        let (socket, sink) = socket(100);
        let attachment = sub.attach(sink).await;
        viewers.push((socket, sub, attachment));
    }
    Audience {
        hub,
        publisher,
        fan_out_began,
        first: (gated, sub, attachment),
        viewers,
    }
}

#[tokio::test]
async fn a_viewer_joining_during_a_long_fan_out_gets_every_frame_once() {
    let Audience {
        hub,
        publisher,
        fan_out_began,
        viewers,
        first: _first,
    } = audience().await;
    // The newcomer asks to join once the fan-out of the video frame began,
    // while the audio after it waits in the batcher.
    let joining = {
        let hub = hub.clone();
        tokio::spawn(async move {
            fan_out_began.notified().await;
            hub.subscribe("s", Duration::ZERO).await
        })
    };
    // A fresh budget, so that both reach the inbox before the actor runs.
    tokio::task::yield_now().await;
    publisher.send(video(40, false)).await.unwrap();
    publisher.send(audio(50)).await.unwrap();
    let mut newcomer = joining.await.unwrap().unwrap();
    publisher.send(video(80, false)).await.unwrap();
    assert_eq!(dts_until(&mut newcomer, 5).await, [0, 0, 40, 50, 80]);
    for (socket, _, _) in &viewers {
        assert_eq!(socket.lock().unwrap().written, [40, 50, 80]);
    }
}

#[tokio::test]
async fn a_frame_that_comes_during_a_long_fan_out_reaches_the_viewers_still_ahead_in_it() {
    let Audience {
        publisher,
        fan_out_began,
        first: (first_socket, _first, _attached),
        viewers,
        ..
    } = audience().await;
    // The next frame comes while the actor writes the first one (from a
    // task: the test's own future runs only after a burst of tasks).
    let publisher = Arc::new(publisher);
    let next_frame = {
        let publisher = publisher.clone();
        tokio::spawn(async move {
            fan_out_began.notified().await;
            publisher.send(video(80, false)).await.unwrap();
        })
    };
    tokio::task::yield_now().await;
    publisher.send(video(40, false)).await.unwrap();
    next_frame.await.unwrap();
    let (last_socket, _, _) = viewers.last().unwrap();
    for _ in 0..1000 {
        if last_socket.lock().unwrap().written.len() == 2
            && first_socket.lock().unwrap().written.len() == 2
        {
            break;
        }
        tokio::task::yield_now().await;
    }
    let last = last_socket.lock().unwrap();
    assert_eq!(last.written, [40, 80]);
    assert_eq!(
        last.writes, 1,
        "both frames in the write it was waiting for"
    );
    let first = first_socket.lock().unwrap();
    assert_eq!(first.written, [40, 80]);
    assert_eq!(first.writes, 2, "the frame came after its write");
}

/// What a viewer has had once the stream is over: what the actor wrote,
/// what it handed back unwritten, then the rest of the ring.
async fn everything_had(
    socket: &Mutex<Socket>,
    mut sub: Subscription,
    returned: hub::Returned,
) -> Vec<i64> {
    let mut had = socket.lock().unwrap().written.clone();
    match sub.resume(returned) {
        Detached::Ended(_) => return had,
        Detached::Failed(e) => panic!("no write fails here: {e}"),
        leftover @ Detached::Write(_) => had.extend(leftover_dts(leftover)),
    }
    while let Ok(batch) = sub.next().await {
        had.extend(batch.iter().map(|p| p.frame.dts));
    }
    had
}

#[tokio::test]
async fn every_viewer_gets_every_frame_once_however_its_writes_go() {
    let config = with_ring(64);
    let (hub, publisher, mut first) = caught_up_viewer(config).await;
    // The first viewer signals each sweep's start; the frames come then,
    // to meet the actor in the middle of its sweeps.
    let sweep_began = Arc::new(tokio::sync::Notify::new());
    let (first_socket, sink) = socket(1000);
    let first_attachment = first
        .attach(Box::new(GateSink(sink, sweep_began.clone())))
        .await;
    let mut viewers = vec![(first_socket, first, first_attachment)];
    // Some sockets fill up after a few batches, at different points of
    // the sweeps; the others take everything.
    for i in 1..300 {
        let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
        assert_eq!(dts_until(&mut sub, 2).await, [0, 0]);
        let room = if i % 7 == 3 { i % 5 } else { 1000 };
        let (socket, sink) = socket(room);
        let attachment = sub.attach(sink).await;
        viewers.push((socket, sub, attachment));
    }
    // One viewer asks for its writes back in the middle of the stream,
    // just after a burst of frames, so while it is behind.
    let (asked_socket, mut asked, asked_attachment) = viewers.swap_remove(100);
    let frames: Vec<i64> = (1..=60).map(|n| n * 40).collect();
    let feeder = {
        let frames = frames.clone();
        tokio::spawn(async move {
            let mut asked_attachment = Some(asked_attachment);
            let mut handed_back = None;
            for (n, burst) in frames.chunks(3).enumerate() {
                if n > 0 {
                    sweep_began.notified().await;
                }
                for &dts in burst {
                    publisher.send(video(dts, dts % 320 == 0)).await.unwrap();
                }
                if n == 7 {
                    let attachment = asked_attachment.take().unwrap();
                    handed_back = Some(attachment.detach().await);
                }
            }
            handed_back.unwrap()
        })
    };
    let handed_back = tokio::time::timeout(Duration::from_secs(10), feeder).await;
    let mut had = asked_socket.lock().unwrap().written.clone();
    had.extend(leftover_dts(asked.resume(handed_back.unwrap().unwrap())));
    while let Ok(batch) = asked.next().await {
        had.extend(batch.iter().map(|p| p.frame.dts));
    }
    assert_eq!(had, frames, "the viewer that asked for its writes back");
    for (i, (socket, sub, mut attachment)) in viewers.into_iter().enumerate() {
        let handed_back = returned(&mut attachment).await;
        let had = everything_had(&socket, sub, handed_back).await;
        assert_eq!(had, frames, "viewer {i}");
    }
}
