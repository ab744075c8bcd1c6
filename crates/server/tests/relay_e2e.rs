//! End-to-end relay through a real synctv process over TCP on 127.0.0.1.
//! synctv's own RTMP client session publishes and plays; HTTP-FLV is read
//! with synctv's FLV demuxer, HLS is fetched and checked by ffprobe and
//! ffmpeg. What viewers get must be byte for byte what was published: H.264
//! and AAC, HEVC as enhanced RTMP `hvc1` and as legacy codec id 12, AV1 as
//! `av01`. These tests fail (they do not skip) when ffmpeg is missing.

mod relay;
mod support;

use media::{Codec, Track};
use relay::client::RtmpPeer;
use relay::hls::{self, STREAM_TYPE_H264, STREAM_TYPE_HEVC};
use relay::{publish_and_watch, sources};
use support::{Server, STREAM};

#[tokio::test]
async fn our_rtmp_client_publishes_h264_and_aac_that_every_viewer_gets_byte_for_byte() {
    let server = Server::start(&[]);
    let sent = sources::h264_aac();
    let watched = publish_and_watch(&server, &sent).await;
    watched.assert_relayed_unchanged();
    let hls = hls::fetch_ended(&server, STREAM).await;
    hls.assert_plays("h264", STREAM_TYPE_H264, &sent);
}

#[tokio::test]
async fn our_rtmp_client_is_refused_with_a_wrong_key() {
    let server = Server::start(&[]);
    let refused = RtmpPeer::publish(server.rtmp, "not-the-key")
        .await
        .expect_err("a wrong key may not publish");
    assert_eq!(refused.code, "NetStream.Publish.BadName", "{refused:?}");
    assert!(refused.description.contains("key"), "{refused:?}");
    assert!(server.wait_for_log(&["refused", "127.0.0.1:"], relay::WAIT));
}

#[tokio::test]
async fn enhanced_rtmp_hevc_is_relayed_unchanged_and_plays_as_hls() {
    let server = Server::start(&[]);
    let sent = sources::enhanced_hevc();
    let watched = publish_and_watch(&server, &sent).await;
    watched.assert_relayed_unchanged();
    for frame in watched.rtmp.iter().chain(&watched.flv) {
        if frame.track == Track::Video {
            assert_eq!(frame.codec, Codec::Hevc);
            assert_eq!(&frame.data[1..5], b"hvc1", "FourCC kept");
        }
    }
    assert!(
        watched
            .flv
            .iter()
            .any(|f| f.track == Track::Video && f.pts - f.dts == sources::HEVC_CTS_MS),
        "composition times kept"
    );
    let hls = hls::fetch_ended(&server, STREAM).await;
    hls.assert_plays("hevc", STREAM_TYPE_HEVC, &sent);
}

#[tokio::test]
async fn legacy_hevc_codec_id_12_is_relayed_unchanged_and_plays_as_hls() {
    let server = Server::start(&[]);
    let sent = sources::legacy_hevc();
    let watched = publish_and_watch(&server, &sent).await;
    watched.assert_relayed_unchanged();
    for frame in watched.rtmp.iter().chain(&watched.flv) {
        if frame.track == Track::Video {
            assert_eq!(frame.data[0] & 0x0f, 12, "codec id kept");
        }
    }
    let hls = hls::fetch_ended(&server, STREAM).await;
    hls.assert_plays("hevc", STREAM_TYPE_HEVC, &sent);
}

#[tokio::test]
async fn av1_fourcc_frames_are_relayed_unchanged() {
    let server = Server::start(&[]);
    let sent = sources::av1();
    let watched = publish_and_watch(&server, &sent).await;
    watched.assert_relayed_unchanged();
    for frame in watched.rtmp.iter().chain(&watched.flv) {
        if frame.track == Track::Video {
            assert_eq!(frame.codec, Codec::Av1);
            assert_eq!(&frame.data[1..5], b"av01", "FourCC kept");
        }
    }
}
