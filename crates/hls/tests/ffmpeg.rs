//! HLS output checked by a real player: ffmpeg makes the source, synctv's
//! FLV demuxer and segmenter turn it into a playlist and segments on disk,
//! and ffprobe/ffmpeg must read and decode every frame without an error.
//! These tests fail (they do not skip) when ffmpeg is not installed.

// Helpers below are test code too: a failed step must fail the test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use flv::{encode_tag, Demuxer, FlvHeader};
use hls::{HlsConfig, Segmenter};
use media::{Frame, FrameKind, Track};

#[test]
fn h264_and_aac_from_ffmpeg_flv_play_as_hls() {
    let frames = demux(h264_flv());
    let dir = segment(&frames);
    let streams = probe_streams(&dir);
    assert!(streams.contains("codec_name=h264"), "{streams}");
    assert!(streams.contains("width=320\nheight=240"), "{streams}");
    assert!(streams.contains("codec_name=aac"), "{streams}");
    assert_eq!(streams.matches("codec_type=").count(), 2, "{streams}");
    assert_plays(&dir, &frames);
}

#[test]
fn hevc_in_enhanced_flv_plays_as_hls() {
    let mut frames = demux(&enhanced_hevc_flv());
    let audio = demux(aac_flv());
    frames.extend(audio.into_iter().filter(|f| f.track == Track::Audio));
    frames.sort_by_key(|f| (f.dts, !f.is_config()));
    let dir = segment(&frames);
    let streams = probe_streams(&dir);
    assert!(streams.contains("codec_name=hevc"), "{streams}");
    assert!(streams.contains("width=320\nheight=240"), "{streams}");
    assert!(streams.contains("codec_name=aac"), "{streams}");
    assert_plays(&dir, &frames);
}

#[test]
fn flv_timestamps_crossing_24_bits_play_as_hls() {
    let frames = demux(&retimed_flv(h264_flv(), 0xff_ffff - 1000));
    assert!(frames.iter().any(|f| f.dts > 0xff_ffff));
    let dir = segment(&frames);
    assert_plays(&dir, &frames);
}

#[test]
fn flv_timestamps_crossing_32_bits_stay_continuous_and_play_as_hls() {
    let frames = demux(&retimed_flv(h264_flv(), (1 << 32) - 1000));
    let last = frames.iter().map(|f| f.dts).max().unwrap();
    assert!(last > 1 << 32, "the unwrapped timeline goes past 2^32 ms");
    let dir = segment(&frames);
    assert_plays(&dir, &frames);
}

#[test]
fn frames_above_2_pow_32_ms_and_across_the_33_bit_clock_wrap_play_as_hls() {
    let wrap_ms = (1i64 << 33) / 90;
    for offset in [(1i64 << 32) + 1000, wrap_ms - 2000] {
        let frames: Vec<Frame> = demux(h264_flv())
            .into_iter()
            .map(|mut f| {
                f.dts += offset;
                f.pts += offset;
                f
            })
            .collect();
        let dir = segment(&frames);
        assert_plays(&dir, &frames);
    }
}

// ---- sources -------------------------------------------------------------

/// 5 s of 320x240 H.264 (with B-frames) and 48 kHz AAC, GOP of 1 s, made once.
fn h264_flv() -> &'static [u8] {
    static FLV: OnceLock<Vec<u8>> = OnceLock::new();
    FLV.get_or_init(|| {
        let dir = TempDir::new("h264-source");
        let out = dir.path().join("source.flv");
        let args = concat!(
            "-f lavfi -i testsrc2=size=320x240:rate=25 ",
            "-f lavfi -i sine=frequency=1000:sample_rate=48000 ",
            "-t 5 -c:v libx264 -preset veryfast -bf 2 -g 25 -c:a aac -f flv",
        );
        ffmpeg(args, &out);
        std::fs::read(out).unwrap()
    })
}

/// 5 s of 48 kHz AAC alone in FLV, made once.
fn aac_flv() -> &'static [u8] {
    static FLV: OnceLock<Vec<u8>> = OnceLock::new();
    FLV.get_or_init(|| {
        let dir = TempDir::new("aac-source");
        let out = dir.path().join("audio.flv");
        ffmpeg(
            "-f lavfi -i sine=frequency=1000:sample_rate=48000 -t 5 -c:a aac -f flv",
            &out,
        );
        std::fs::read(out).unwrap()
    })
}

/// 5 s of 320x240 H.265 from libx265 as an Annex B stream, rewritten into
/// enhanced RTMP (`hvc1`) FLV tags: this ffmpeg cannot write HEVC in FLV.
/// Parameter sets appear only in the record, not in the coded frames.
fn enhanced_hevc_flv() -> Vec<u8> {
    let dir = TempDir::new("hevc-source");
    let out = dir.path().join("video.hevc");
    let args = concat!(
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 5 -c:v libx265 -preset ultrafast ",
        "-x265-params aud=1:bframes=0:keyint=25:min-keyint=25:scenecut=0:log-level=error ",
        "-f hevc",
    );
    ffmpeg(args, &out);
    let stream = std::fs::read(out).unwrap();
    let units = annexb_units(&stream);
    let of_type = |t: u8| -> Vec<&[u8]> {
        units
            .iter()
            .copied()
            .filter(|u| hevc_type(u) == t)
            .collect()
    };
    let record = hvcc(&of_type(32), &of_type(33), &of_type(34));
    let mut flv = FlvHeader {
        audio: false,
        video: true,
    }
    .encode()
    .to_vec();
    let mut body = vec![0x80 | 0x10];
    body.extend_from_slice(b"hvc1");
    body.extend_from_slice(&record);
    flv.extend_from_slice(&encode_tag(Track::Video, 0, &body));
    for (i, access_unit) in units.split(|u| hevc_type(u) == 35).skip(1).enumerate() {
        let keyframe = access_unit
            .iter()
            .any(|u| (16..=23).contains(&hevc_type(u)));
        let mut body = vec![0x80 | if keyframe { 0x10 } else { 0x20 } | 1];
        body.extend_from_slice(b"hvc1");
        body.extend_from_slice(&[0, 0, 0]);
        for unit in access_unit
            .iter()
            .filter(|u| !(32..=35).contains(&hevc_type(u)))
        {
            body.extend_from_slice(&(unit.len() as u32).to_be_bytes());
            body.extend_from_slice(unit);
        }
        flv.extend_from_slice(&encode_tag(Track::Video, i as i64 * 40, &body));
    }
    flv
}

fn hevc_type(unit: &[u8]) -> u8 {
    (unit[0] >> 1) & 0x3f
}

/// NAL units of an Annex B stream (start codes of 3 or 4 bytes).
fn annexb_units(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i..i + 3] == [0, 0, 1] {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut units = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let mut end = starts.get(n + 1).map_or(data.len(), |next| next - 3);
        while end > *start && data[end - 1] == 0 {
            end -= 1;
        }
        units.push(&data[*start..end]);
    }
    units
}

/// An HEVCDecoderConfigurationRecord with the given parameter sets; the
/// profile fields describe Main profile, which the decoder re-reads from the
/// SPS anyway.
fn hvcc(vps: &[&[u8]], sps: &[&[u8]], pps: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x3c];
    out.extend_from_slice(&[0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3]);
    for (nal_type, units) in [(32u8, vps), (33, sps), (34, pps)] {
        out.push(0x80 | nal_type);
        out.extend_from_slice(&(units.len() as u16).to_be_bytes());
        for unit in units {
            out.extend_from_slice(&(unit.len() as u16).to_be_bytes());
            out.extend_from_slice(unit);
        }
    }
    out
}

/// The same FLV with every tag's timestamp moved by `offset` ms, written
/// back through `encode_tag` (24 + 8 bit timestamps, wrapping).
fn retimed_flv(source: &[u8], offset: i64) -> Vec<u8> {
    let mut demuxer = Demuxer::new();
    let mut buf = BytesMut::from(source);
    let mut out = FlvHeader {
        audio: true,
        video: true,
    }
    .encode()
    .to_vec();
    while let Some(tag) = demuxer.decode_tag(&mut buf).unwrap() {
        let timestamp = i64::from(tag.timestamp) + offset;
        out.extend_from_slice(&encode_tag(tag.track, timestamp, &tag.body));
    }
    out
}

// ---- synctv under test ---------------------------------------------------

fn demux(flv: &[u8]) -> Vec<Frame> {
    let mut demuxer = Demuxer::new();
    let mut buf = BytesMut::from(flv);
    let mut frames = Vec::new();
    while let Some(frame) = demuxer.decode_frame(&mut buf).unwrap() {
        frames.push(frame);
    }
    assert!(buf.is_empty(), "the whole file is read");
    frames
}

/// Runs `frames` through a segmenter and writes `index.m3u8` and the
/// segments into a fresh directory.
fn segment(frames: &[Frame]) -> TempDir {
    let mut segmenter = Segmenter::new(HlsConfig::default());
    for frame in frames {
        segmenter.handle_frame(frame).unwrap();
    }
    segmenter.finish();
    let mut ready = 0;
    while let Some(event) = segmenter.poll_event() {
        ready += usize::from(matches!(event, hls::HlsEvent::SegmentReady { .. }));
    }
    assert!(ready >= 3, "5 s in 2 s segments");
    let snapshot = segmenter.snapshot();
    assert!(snapshot.is_ended());
    assert_eq!(snapshot.len(), ready);
    let dir = TempDir::new("hls");
    for seq in snapshot.media_sequence()..snapshot.media_sequence() + ready as u64 {
        let data: Bytes = snapshot.segment(seq).unwrap();
        std::fs::write(dir.path().join(format!("{seq}.ts")), &data).unwrap();
    }
    std::fs::write(dir.path().join("index.m3u8"), snapshot.playlist()).unwrap();
    dir
}

// ---- the player ------------------------------------------------------------

/// ffprobe's view of the playlist's streams, one `key=value` per line.
fn probe_streams(dir: &TempDir) -> String {
    probe(
        dir,
        &[
            "-show_entries",
            "stream=index,codec_type,codec_name,width,height",
        ],
    )
    .join("\n")
}

/// ffprobe's compact lines about streams, fields separated by newlines.
/// Streams are listed once more under their program; the repeats are left out.
fn probe(dir: &TempDir, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-v", "error", "-of", "compact"];
    all.extend_from_slice(args);
    all.push("index.m3u8");
    let mut streams: Vec<String> = Vec::new();
    for line in run("ffprobe", &all, dir.path()).lines() {
        let line = line.strip_prefix("program|").unwrap_or(line);
        let Some(fields) = line.strip_prefix("stream|") else {
            continue;
        };
        let fields = fields.replace('|', "\n");
        if !streams.contains(&fields) {
            streams.push(fields);
        }
    }
    streams
}

/// Decodes the whole playlist with ffmpeg: no error may be reported, every
/// video and audio frame of `frames` must come out, and the timeline must
/// last as long as the source (a timestamp wrap handled wrongly shows up as
/// hours).
fn assert_plays(dir: &TempDir, frames: &[Frame]) {
    let output = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-i",
            "index.m3u8",
            "-map",
            "0",
            "-f",
            "null",
            "-",
        ])
        .current_dir(dir.path())
        .output()
        .expect("ffmpeg must be installed to run these tests");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "ffmpeg: {stderr}"
    );
    for (selector, track) in [("v:0", Track::Video), ("a:0", Track::Audio)] {
        let sent = frames
            .iter()
            .filter(|f| f.track == track && f.kind == FrameKind::Coded)
            .count();
        let counted = probe(
            dir,
            &[
                "-count_frames",
                "-select_streams",
                selector,
                "-show_entries",
                "stream=nb_read_frames",
            ],
        );
        assert_eq!(counted, [format!("nb_read_frames={sent}")], "{selector}");
    }
    let duration = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
            "index.m3u8",
        ],
        dir.path(),
    );
    let seconds: f64 = duration.trim().parse().unwrap();
    assert!((4.9..5.3).contains(&seconds), "duration {seconds}");
}

/// Runs ffmpeg with the whitespace-separated `args`, writing to `out`.
fn ffmpeg(args: &str, out: &Path) {
    let mut all = vec!["-v", "error", "-y"];
    all.extend(args.split_whitespace());
    let out = out.to_str().unwrap();
    all.push(out);
    run("ffmpeg", &all, Path::new("."));
}

fn run(program: &str, args: &[&str], dir: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed to run these tests: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{program} {args:?}: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "synctv-hls-test-{}-{label}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
