//! Relaying through a real synctv process: publish with synctv's own RTMP
//! client, watch over RTMP and HTTP-FLV (and HLS once the stream ended), and
//! compare what comes out with what went in, frame by frame.

pub(crate) mod client;
pub(crate) mod hls;
pub(crate) mod http;
pub(crate) mod sources;
mod ts;

use std::time::Duration;

use media::{Frame, FrameKind, Track};

use crate::support::{Server, KEY, STREAM};
use client::RtmpPeer;
use http::FlvViewer;

/// The longest any single wait may take.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Where a publish is cut in two: in the middle of the third 1 s GOP.
const SPLIT_MS: i64 = 2500;

/// What the viewers of one publish received, and what was sent.
#[derive(Debug)]
pub(crate) struct Watched {
    sent: Vec<Frame>,
    split: usize,
    pub(crate) rtmp: Vec<Frame>,
    pub(crate) flv: Vec<Frame>,
}

/// Publishes `frames` to stream [`STREAM`] with our RTMP client and watches
/// them with our RTMP client and an HTTP-FLV viewer.
///
/// Frames before [`SPLIT_MS`] go out before anyone watches. The FLV viewer
/// joins and reads up to the last video frame of them, so the stream actor
/// has them all when the RTMP viewer joins, which must then start from the
/// GOP cache at the last keyframe. The rest follows, then the publisher
/// stops, which ends the stream and both viewers.
pub(crate) async fn publish_and_watch(server: &Server, frames: &[Frame]) -> Watched {
    let split = frames
        .iter()
        .position(|f| f.dts >= SPLIT_MS && f.kind == FrameKind::Coded)
        .expect("frames on both sides of the split");
    let mut publisher = RtmpPeer::publish(server.rtmp, KEY)
        .await
        .expect("the configured key may publish");
    publisher.send_all(&frames[..split]).await;

    // Audio waits in the stream's batcher for the next video frame, so the
    // last video frame sent is the last one sure to come through.
    let last_video = frames[..split]
        .iter()
        .rev()
        .find(|f| f.track == Track::Video)
        .expect("video before the split");
    let mut flv = FlvViewer::open(server.http, STREAM).await;
    flv.read_through(last_video).await;
    let rtmp = RtmpPeer::play(server.rtmp, STREAM)
        .await
        .expect("a live stream may be played");

    let rest = async {
        publisher.send_all(&frames[split..]).await;
        publisher.stop().await;
    };
    let (rtmp, flv, ()) = tokio::join!(rtmp.frames_until_end(), flv.frames_until_end(), rest);
    Watched {
        sent: frames.to_vec(),
        split,
        rtmp,
        flv,
    }
}

impl Watched {
    /// Both viewers got every header and every frame from their start
    /// keyframe to the end, byte for byte with the same timestamps; the RTMP
    /// viewer started at the GOP cache's keyframe, the FLV viewer no later.
    pub(crate) fn assert_relayed_unchanged(&self) {
        let cached = self.sent[..self.split]
            .iter()
            .rev()
            .find(|f| f.is_video_keyframe())
            .expect("a keyframe before the split");
        let rtmp = assert_relayed("RTMP viewer", &self.sent, &self.rtmp);
        assert_eq!(
            rtmp.dts, cached.dts,
            "the RTMP viewer starts on the cached GOP's keyframe"
        );
        let flv = assert_relayed("HTTP-FLV viewer", &self.sent, &self.flv);
        assert!(
            flv.dts <= cached.dts,
            "the FLV viewer starts at {}",
            flv.dts
        );
    }
}

/// Checks what a viewer who joined mid-stream received: the metadata and
/// sequence headers once each, then every frame from a video keyframe to
/// the end in order, all equal to what was sent (tag body, timestamps,
/// parsed header). Returns the keyframe the viewer started on.
fn assert_relayed<'a>(viewer: &str, sent: &[Frame], received: &'a [Frame]) -> &'a Frame {
    let (sent_headers, sent_media) = headers_and_media(sent);
    let (got_headers, got_media) = headers_and_media(received);
    assert_same(viewer, "headers", &sent_headers, &got_headers);
    let first = *got_media
        .first()
        .unwrap_or_else(|| panic!("{viewer}: no media received"));
    assert!(
        first.is_video_keyframe(),
        "{viewer}: starts on {}",
        describe(first)
    );
    let join = sent_media
        .iter()
        .position(|f| *f == first)
        .unwrap_or_else(|| panic!("{viewer}: got {}, never sent", describe(first)));
    assert_same(viewer, "media", &sent_media[join..], &got_media);
    first
}

/// Metadata and sequence headers (sorted by track), and everything else in
/// order.
fn headers_and_media(frames: &[Frame]) -> (Vec<&Frame>, Vec<&Frame>) {
    let (mut headers, media): (Vec<&Frame>, Vec<&Frame>) = frames
        .iter()
        .partition(|f| matches!(f.kind, FrameKind::Script | FrameKind::Config));
    headers.sort_by_key(|f| f.track.type_id());
    (headers, media)
}

fn assert_same(viewer: &str, what: &str, want: &[&Frame], got: &[&Frame]) {
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        assert!(
            w == g,
            "{viewer}: {what} #{i} differs\n sent     {}\n received {}",
            describe(w),
            describe(g)
        );
    }
    assert_eq!(
        want.len(),
        got.len(),
        "{viewer}: {what}: {} sent, {} received",
        want.len(),
        got.len()
    );
}

fn describe(frame: &Frame) -> String {
    format!(
        "{:?} {:?} {:?} key={} dts={} pts={} {} bytes starting {:02x?}",
        frame.track,
        frame.kind,
        frame.codec,
        frame.keyframe,
        frame.dts,
        frame.pts,
        frame.data.len(),
        &frame.data[..frame.data.len().min(8)]
    )
}
