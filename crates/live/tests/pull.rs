//! A pull against a real RTMP server: the live crate's own listener on
//! 127.0.0.1:0 in front of a hub ("the remote"), pulled into a second hub.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hub::{Hub, HubConfig, Subscription, SubscriptionEnd};
use live::{Live, LiveConfig, PullConfig, PullEnd, PullError, StaticKeys};
use media::{Frame, Track};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

const KEY: &str = "s3cret";
const STREAM: &str = "show";
const LOCAL: &str = "copy";

/// A synctv live engine serving RTMP on a free port.
struct Remote {
    live: Arc<Live>,
    addr: SocketAddr,
    _shutdown: watch::Sender<bool>,
}

impl Remote {
    async fn start(viewer_wait: Duration) -> Remote {
        let config = LiveConfig {
            viewer_wait,
            ..LiveConfig::default()
        };
        let keys = StaticKeys::new([(STREAM.to_owned(), KEY.to_owned())]);
        let live = Live::new(config, HubConfig::default(), Arc::new(keys));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, stopping) = watch::channel(false);
        tokio::spawn(live::serve_rtmp(listener, live.clone(), stopping));
        Remote {
            live,
            addr,
            _shutdown: shutdown,
        }
    }

    fn url(&self, stream: &str) -> String {
        format!("rtmp://{}/live/{stream}", self.addr)
    }
}

/// ffmpeg publishing a test picture and tone, killed when dropped.
struct Ffmpeg(Child);

impl Ffmpeg {
    fn publish(url: &str, seconds: u32) -> Ffmpeg {
        let child = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-re"])
            .args(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"])
            .args(["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100"])
            .args(["-t", &seconds.to_string()])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
            ])
            .args([
                "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
            ])
            .args(["-f", "flv", url])
            .stdin(Stdio::null())
            .spawn()
            .expect("ffmpeg must be installed");
        Ffmpeg(child)
    }
}

impl Drop for Ffmpeg {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `what`, failing with `doing` if it takes more than 30 s.
async fn within<T>(doing: &str, what: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), what)
        .await
        .unwrap_or_else(|_| panic!("timed out: {doing}"))
}

/// A packet as a viewer sees it: enough to compare byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    track: Track,
    dts: i64,
    config: bool,
    key: bool,
    data: Bytes,
}

async fn read_packets(sub: &mut Subscription, count: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    while seen.len() < count {
        let batch = sub.next().await.expect("the stream goes on");
        seen.extend(batch.iter().map(|p| Seen {
            track: p.frame.track,
            dts: p.frame.dts,
            config: p.frame.is_config() || p.frame.track == Track::Data,
            key: p.frame.is_video_keyframe(),
            data: p.frame.data.clone(),
        }));
    }
    seen
}

fn frame(track: Track, dts: i64, body: &'static [u8]) -> Frame {
    Frame::parse(track, dts, Bytes::from_static(body)).unwrap()
}

/// A remote stream fed straight into the remote's hub: config, keyframe.
async fn feed(hub: &Hub) -> hub::Publisher {
    let publisher = hub.publish(STREAM).await;
    publisher
        .send(frame(
            Track::Video,
            0,
            &[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f],
        ))
        .await
        .unwrap();
    publisher
        .send(frame(
            Track::Video,
            0,
            &[0x17, 1, 0, 0, 0, 0, 0, 0, 2, 0x65, 0x88],
        ))
        .await
        .unwrap();
    publisher
}

async fn wait_for_local_stream(hub: &Hub) -> Subscription {
    within("the pull starts the local stream", async {
        hub.subscribe(LOCAL, Duration::from_secs(30)).await.unwrap()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_viewers_of_a_pull_get_the_remote_frames_byte_for_byte() {
    let remote = Remote::start(Duration::from_secs(20)).await;
    let _ffmpeg = Ffmpeg::publish(&remote.url(KEY), 30);
    let mut upstream = within("ffmpeg publishes", async {
        remote
            .live
            .hub
            .subscribe(STREAM, Duration::from_secs(25))
            .await
    })
    .await
    .expect("ffmpeg publishes");
    let local = Hub::new(HubConfig::default(), None);
    let puller = live::pull(
        local.clone(),
        &remote.url(STREAM),
        LOCAL,
        PullConfig::default(),
    )
    .unwrap();
    let mut downstream = wait_for_local_stream(&local).await;
    let pulled = within("local frames", read_packets(&mut downstream, 150)).await;
    let last = pulled.last().unwrap().clone();
    let sent = within("remote frames up to the last pulled one", async {
        let mut sent = Vec::new();
        while !sent.contains(&last) {
            sent.extend(read_packets(&mut upstream, 1).await);
        }
        sent
    })
    .await;

    // Metadata and sequence headers are the remote's, as they were.
    let configs =
        |seen: &[Seen]| -> Vec<Seen> { seen.iter().filter(|s| s.config).cloned().collect() };
    assert_eq!(configs(&pulled).len(), 3, "metadata, AVC and AAC headers");
    assert_eq!(configs(&pulled), configs(&sent));
    // Media: a run of the remote's, from a keyframe on, nothing missing.
    let media =
        |seen: &[Seen]| -> Vec<Seen> { seen.iter().filter(|s| !s.config).cloned().collect() };
    let (pulled, sent) = (media(&pulled), media(&sent));
    let first_video = pulled.iter().find(|s| s.track == Track::Video).unwrap();
    assert!(first_video.key, "local viewers start on a keyframe");
    let start = sent
        .iter()
        .position(|s| *s == pulled[0])
        .expect("the first pulled frame was sent by the remote");
    assert_eq!(pulled[..], sent[start..start + pulled.len()]);
    drop(puller);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_ends_when_the_remote_stream_ends_and_is_no_viewer_there() {
    let remote = Remote::start(Duration::from_secs(5)).await;
    let publisher = feed(&remote.live.hub).await;
    let local = Hub::new(HubConfig::default(), None);
    let puller = live::pull(
        local.clone(),
        &remote.url(STREAM),
        LOCAL,
        PullConfig::default(),
    )
    .unwrap();
    let mut viewer = wait_for_local_stream(&local).await;
    let first = within("the cached frames", read_packets(&mut viewer, 2)).await;
    assert!(first[1].key);
    assert_eq!(remote.live.hub.streams()[0].viewers, 0, "a pull is a relay");

    drop(publisher);
    let end = within("the pull ends", puller.finished()).await;
    assert!(matches!(end, PullEnd::RemoteEnded), "{end:?}");
    let next = within("the local stream ends", viewer.next()).await;
    assert_eq!(next.err(), Some(SubscriptionEnd::StreamEnded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_pull_ends_with_its_local_stream() {
    let remote = Remote::start(Duration::from_secs(5)).await;
    let _publisher = feed(&remote.live.hub).await;
    let local = Hub::new(HubConfig::default(), None);
    let mut events = local.events();
    let puller = live::pull(
        local.clone(),
        &remote.url(STREAM),
        LOCAL,
        PullConfig::default(),
    )
    .unwrap();
    let started = within("the local stream starts", events.recv()).await;
    assert!(matches!(started, Ok(hub::StreamEvent::Started { .. })));
    puller.stop();
    let end = within("the pull stops", puller.finished()).await;
    assert!(matches!(end, PullEnd::Stopped), "{end:?}");
    let ended = within("the local stream ends", events.recv()).await;
    assert!(
        matches!(ended, Ok(hub::StreamEvent::Ended { .. })),
        "{ended:?}"
    );
    assert!(local.streams().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_publisher_taking_the_stream_over_ends_the_pull() {
    let remote = Remote::start(Duration::from_secs(5)).await;
    let _publisher = feed(&remote.live.hub).await;
    let local = Hub::new(HubConfig::default(), None);
    let puller = live::pull(
        local.clone(),
        &remote.url(STREAM),
        LOCAL,
        PullConfig::default(),
    )
    .unwrap();
    let _viewer = wait_for_local_stream(&local).await;
    let _own = local.publish(LOCAL).await;
    let end = within("the pull ends", puller.finished()).await;
    assert!(matches!(end, PullEnd::TakenOver), "{end:?}");
    assert_eq!(
        local.streams().len(),
        1,
        "the new publisher keeps the stream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_the_remote_does_not_have_is_refused() {
    let remote = Remote::start(Duration::from_millis(200)).await;
    let local = Hub::new(HubConfig::default(), None);
    let puller = live::pull(
        local.clone(),
        &remote.url("nobody"),
        LOCAL,
        PullConfig::default(),
    )
    .unwrap();
    let end = within("the pull ends", puller.finished()).await;
    assert!(
        matches!(end, PullEnd::Failed(PullError::Rejected { .. })),
        "{end:?}"
    );
    assert!(local.streams().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bytes_from_the_remote_end_the_pull_cleanly() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("rtmp://{}/live/s", listener.local_addr().unwrap());
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut c0c1 = [0u8; 1537];
        socket.read_exact(&mut c0c1).await.unwrap();
        // Not RTMP version 3, and garbage after it.
        socket.write_all(&[0xff; 3073]).await.unwrap();
        // Hold the socket until the pull gives up on it.
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest).await;
    });
    let local = Hub::new(HubConfig::default(), None);
    let puller = live::pull(local.clone(), &url, LOCAL, PullConfig::default()).unwrap();
    let end = within("the pull ends", puller.finished()).await;
    assert!(
        matches!(end, PullEnd::Failed(PullError::Session(_))),
        "{end:?}"
    );
    within("the peer sees the pull close", peer).await.unwrap();
    assert!(local.streams().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_that_says_nothing_fails_the_pull_after_the_idle_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("rtmp://{}/live/s", listener.local_addr().unwrap());
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut rest = Vec::new();
        let _ = socket.read_to_end(&mut rest).await;
    });
    let config = PullConfig {
        idle_timeout: Duration::from_millis(300),
        ..PullConfig::default()
    };
    let puller = live::pull(Hub::new(HubConfig::default(), None), &url, LOCAL, config).unwrap();
    let end = within("the pull gives up", puller.finished()).await;
    assert!(
        matches!(end, PullEnd::Failed(PullError::Idle(_))),
        "{end:?}"
    );
    within("the peer sees the pull close", peer).await.unwrap();
}

#[test]
fn a_malformed_url_is_refused_before_anything_starts() {
    let local = Hub::new(HubConfig::default(), None);
    let refused = live::pull(local, "http://x/live/s", LOCAL, PullConfig::default());
    assert!(matches!(refused, Err(PullError::Url { .. })));
}
