//! HLS output fetched over HTTP into a directory, then read by ffprobe and
//! decoded by ffmpeg from there.

use std::process::Command;
use std::time::{Duration, Instant};

use media::{Frame, FrameKind, Track};

use super::http::get;
use super::{ts, WAIT};
use crate::support::{probe, run, Server, TempDir};

pub(crate) const STREAM_TYPE_H264: u8 = 0x1b;
pub(crate) const STREAM_TYPE_HEVC: u8 = 0x24;
const STREAM_TYPE_AAC: u8 = 0x0f;

/// The playlist and segments of an ended stream, saved under their names.
pub(crate) struct Hls {
    dir: TempDir,
    segments: Vec<String>,
}

/// Waits until the playlist of `stream` is final (`#EXT-X-ENDLIST`), then
/// fetches it and every segment it lists.
pub(crate) async fn fetch_ended(server: &Server, stream: &str) -> Hls {
    let playlist_path = format!("/hls/{stream}/index.m3u8");
    let deadline = Instant::now() + WAIT;
    let playlist = loop {
        let response = get(server.http, &playlist_path).await;
        let text = String::from_utf8_lossy(&response.body).into_owned();
        if response.status == 200 && text.contains("#EXT-X-ENDLIST") {
            assert_eq!(
                response.header("content-type"),
                Some("application/vnd.apple.mpegurl")
            );
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no final playlist within {WAIT:?}: {} {text}",
            response.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let dir = TempDir::new("relay-hls");
    let segments: Vec<String> = playlist
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert!(!segments.is_empty(), "{playlist}");
    for name in &segments {
        assert!(!name.contains('/'), "segments are relative: {name}");
        let response = get(server.http, &format!("/hls/{stream}/{name}")).await;
        assert_eq!(response.status, 200, "{name}: {}", response.head);
        assert_eq!(response.header("content-type"), Some("video/mp2t"));
        std::fs::write(dir.0.join(name), &response.body).expect("segment saved");
    }
    std::fs::write(dir.0.join("index.m3u8"), &playlist).expect("playlist saved");
    Hls { dir, segments }
}

impl Hls {
    /// Checks the saved HLS: the PMT declares `stream_type` for video and
    /// AAC for audio, ffprobe sees `codec` at the sources' size and AAC, and
    /// ffmpeg decodes every coded frame of `sent` without an error.
    pub(crate) fn assert_plays(&self, codec: &str, stream_type: u8, sent: &[Frame]) {
        let first = std::fs::read(self.dir.0.join(&self.segments[0])).expect("segment");
        let mut types = ts::stream_types(&first);
        types.sort_unstable();
        let mut want = vec![stream_type, STREAM_TYPE_AAC];
        want.sort_unstable();
        assert_eq!(types, want, "PMT stream types");

        let playlist = self.dir.0.join("index.m3u8");
        let probe = probe(&playlist.to_string_lossy());
        assert_eq!(probe.streams.len(), 2, "{probe:?}");
        let video = probe.video().expect("a video stream");
        assert_eq!(video.codec_name, codec);
        let size = (super::sources::WIDTH, super::sources::HEIGHT);
        assert_eq!((video.width, video.height), size);
        assert_eq!(probe.audio().expect("an audio stream").codec_name, "aac");

        let (video, audio) = self.decode();
        let coded = |track| {
            sent.iter()
                .filter(|f| f.track == track && f.kind == FrameKind::Coded)
                .count()
        };
        assert_eq!(video, coded(Track::Video), "video frames decoded");
        assert_eq!(audio, coded(Track::Audio), "audio frames decoded");
    }

    /// Video and audio frames ffmpeg decodes from the playlist; any error
    /// message fails the test.
    fn decode(&self) -> (usize, usize) {
        let output = run(
            Command::new("ffmpeg")
                .current_dir(&self.dir.0)
                .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
                .arg("index.m3u8")
                .args(["-map", "0:v:0", "-map", "0:a:0", "-f", "framecrc", "-"]),
            Duration::from_secs(30),
        );
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && errors.trim().is_empty(),
            "ffmpeg: {errors}"
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let count = |stream: &str| text.lines().filter(|l| l.starts_with(stream)).count();
        (count("0,"), count("1,"))
    }
}
