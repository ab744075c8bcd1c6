//! Media to publish, as the frames a publisher sends: H.264 + AAC that
//! ffmpeg encodes from its lavfi sources, H.265 from libx265 rewritten into
//! enhanced RTMP (`hvc1`) or legacy (codec id 12) video tags, and fabricated
//! AV1 (`av01`) tags that synctv only relays. Each source is made once per
//! test process; a missing ffmpeg fails the test.

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use flv::Demuxer;
use media::{Frame, Track};

use crate::support::{run, TempDir};

/// Every source lasts this long, at 25 frames per second with a 1 s GOP.
pub(crate) const SECONDS: u32 = 4;
pub(crate) const WIDTH: u32 = 320;
pub(crate) const HEIGHT: u32 = 240;
const FRAME_MS: i64 = 40;
const GOP: usize = 25;
/// The composition offset of every HEVC picture (no B-frames, so constant).
pub(crate) const HEVC_CTS_MS: i64 = 80;

/// Enhanced RTMP video: the ExVideoTagHeader bit and the packet types.
const EX_HEADER: u8 = 0x80;
const SEQUENCE_START: u8 = 0;
const CODED_FRAMES: u8 = 1;
const SEQUENCE_END: u8 = 2;
/// Legacy video tag: frame types and the non-standard HEVC codec id.
const KEY: u8 = 1;
const INTER: u8 = 2;
const LEGACY_HEVC: u8 = 12;

/// ffmpeg's FLV of H.264 (with B-frames) and AAC, demuxed: onMetaData, both
/// sequence headers, then the frames, an end-of-sequence tag last.
pub(crate) fn h264_aac() -> Vec<Frame> {
    static FRAMES: OnceLock<Vec<Frame>> = OnceLock::new();
    FRAMES
        .get_or_init(|| {
            let dir = TempDir::new("relay-h264");
            let out = dir.0.join("source.flv");
            let args = format!(
                "-f lavfi -i testsrc2=size={WIDTH}x{HEIGHT}:rate=25 \
                 -f lavfi -i sine=frequency=1000:sample_rate=44100 -t {SECONDS} \
                 -c:v libx264 -preset ultrafast -bf 2 -g {GOP} -pix_fmt yuv420p \
                 -c:a aac -b:a 64k -f flv"
            );
            ffmpeg(&args, &out);
            demux(&std::fs::read(out).expect("ffmpeg wrote the FLV"))
        })
        .clone()
}

/// The AAC frames of [`h264_aac`], configuration first.
fn aac() -> Vec<Frame> {
    h264_aac()
        .into_iter()
        .filter(|f| f.track == Track::Audio)
        .collect()
}

/// H.265 with AAC as enhanced RTMP: `hvc1` SequenceStart with an hvcC
/// record, then CodedFrames with a composition time.
pub(crate) fn enhanced_hevc() -> Vec<Frame> {
    let hevc = hevc();
    let mut video = vec![video(
        0,
        ex_header(KEY, SEQUENCE_START, b"hvc1"),
        &hevc.record,
    )];
    for (i, picture) in hevc.pictures.iter().enumerate() {
        let frame_type = if picture.keyframe { KEY } else { INTER };
        let mut body = ex_header(frame_type, CODED_FRAMES, b"hvc1");
        body.extend_from_slice(&si24(HEVC_CTS_MS));
        video.push(video_at(i, body, &picture.units));
    }
    with_audio(video)
}

/// The same H.265 with AAC in legacy tags with codec id 12, as some
/// encoders send it: AVC-style packet type and composition time.
pub(crate) fn legacy_hevc() -> Vec<Frame> {
    let hevc = hevc();
    let config = legacy_header(KEY, SEQUENCE_START, 0);
    let mut video = vec![video(0, config, &hevc.record)];
    for (i, picture) in hevc.pictures.iter().enumerate() {
        let frame_type = if picture.keyframe { KEY } else { INTER };
        let body = legacy_header(frame_type, CODED_FRAMES, HEVC_CTS_MS);
        video.push(video_at(i, body, &picture.units));
    }
    with_audio(video)
}

/// AV1 with AAC as enhanced RTMP: `av01` SequenceStart with an av1C record,
/// CodedFrames of made-up OBUs (keyframes larger than a 4096-byte chunk),
/// and a SequenceEnd.
pub(crate) fn av1() -> Vec<Frame> {
    // av1C: marker+version, Main profile level 3.0, 8-bit 4:2:0, then a
    // sequence header OBU whose bits nobody here decodes.
    let mut record = vec![0x81, 0x04, 0x0c, 0x00];
    record.extend_from_slice(&[0x0a, 0x0b, 0x00, 0x00, 0x00, 0x24, 0xc4, 0xff, 0xdf]);
    record.extend_from_slice(&[0x3f, 0xfe, 0x01, 0x80]);
    let mut video = vec![video(0, ex_header(KEY, SEQUENCE_START, b"av01"), &record)];
    let mut noise = Noise(0x5eed);
    let pictures = SECONDS as usize * 25;
    for i in 0..pictures {
        let keyframe = i % GOP == 0;
        let len = if keyframe {
            9000
        } else {
            200 + (i * 37) % 1500
        };
        // A temporal delimiter OBU, then a frame OBU with a 2-byte size.
        let mut obus = vec![
            0x12,
            0x00,
            0x32,
            0x80 | (len & 0x7f) as u8,
            (len >> 7) as u8,
        ];
        obus.extend((0..len).map(|_| noise.next_byte()));
        let frame_type = if keyframe { KEY } else { INTER };
        video.push(video_at(
            i,
            ex_header(frame_type, CODED_FRAMES, b"av01"),
            &obus,
        ));
    }
    let end = ex_header(KEY, SEQUENCE_END, b"av01");
    video.push(video_at(pictures, end, &[]));
    with_audio(video)
}

// ---- H.265 from libx265 ---------------------------------------------------

/// libx265's output cut into pictures: each a keyframe flag and its NAL
/// units (parameter sets and delimiters removed) with 4-byte lengths.
#[derive(Debug)]
struct Hevc {
    /// HEVCDecoderConfigurationRecord with the VPS, SPS and PPS.
    record: Vec<u8>,
    pictures: Vec<Picture>,
}

#[derive(Debug)]
struct Picture {
    keyframe: bool,
    units: Vec<u8>,
}

const NAL_VPS: u8 = 32;
const NAL_SPS: u8 = 33;
const NAL_PPS: u8 = 34;
const NAL_AUD: u8 = 35;

/// This ffmpeg cannot put HEVC in FLV or RTMP, so libx265 writes an Annex B
/// stream (an access unit delimiter before every picture) and the tags are
/// built here.
fn hevc() -> &'static Hevc {
    static HEVC: OnceLock<Hevc> = OnceLock::new();
    HEVC.get_or_init(|| {
        let dir = TempDir::new("relay-hevc");
        let out = dir.0.join("video.hevc");
        let args = format!(
            "-f lavfi -i testsrc2=size={WIDTH}x{HEIGHT}:rate=25 -t {SECONDS} \
             -c:v libx265 -preset ultrafast -x265-params \
             aud=1:bframes=0:keyint={GOP}:min-keyint={GOP}:scenecut=0:log-level=error \
             -f hevc"
        );
        ffmpeg(&args, &out);
        let stream = std::fs::read(out).expect("ffmpeg wrote the stream");
        let units = annexb_units(&stream);
        let first = |t: u8| -> &[u8] {
            units
                .iter()
                .find(|u| nal_type(u) == t)
                .unwrap_or_else(|| panic!("NAL type {t} in libx265's output"))
        };
        let record = hvcc(first(NAL_VPS), first(NAL_SPS), first(NAL_PPS));
        let pictures = units
            .split(|u| nal_type(u) == NAL_AUD)
            .filter(|au| !au.is_empty())
            .map(picture)
            .collect::<Vec<_>>();
        assert_eq!(
            pictures.len(),
            SECONDS as usize * 25,
            "one picture per frame"
        );
        Hevc { record, pictures }
    })
}

fn picture(access_unit: &[&[u8]]) -> Picture {
    let mut units = Vec::new();
    for unit in access_unit {
        if (NAL_VPS..=NAL_AUD).contains(&nal_type(unit)) {
            continue;
        }
        let len = u32::try_from(unit.len()).expect("a small NAL unit");
        units.extend_from_slice(&len.to_be_bytes());
        units.extend_from_slice(unit);
    }
    Picture {
        // IRAP pictures: BLA, IDR and CRA.
        keyframe: access_unit.iter().any(|u| (16..=23).contains(&nal_type(u))),
        units,
    }
}

fn nal_type(unit: &[u8]) -> u8 {
    (unit[0] >> 1) & 0x3f
}

/// The NAL units of an Annex B stream, between 3- or 4-byte start codes.
fn annexb_units(stream: &[u8]) -> Vec<&[u8]> {
    let starts: Vec<usize> = stream
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == [0, 0, 1])
        .map(|(at, _)| at + 3)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let mut end = starts.get(n + 1).map_or(stream.len(), |next| next - 3);
            while end > start && stream[end - 1] == 0 {
                end -= 1;
            }
            &stream[start..end]
        })
        .collect()
}

/// An HEVCDecoderConfigurationRecord: the profile, tier and level come from
/// the SPS's profile_tier_level (its first 12 bytes after the NAL header
/// and one byte of ids), the rest describes 8-bit 4:2:0 with 4-byte lengths.
fn hvcc(vps: &[u8], sps: &[u8], pps: &[u8]) -> Vec<u8> {
    let sps_rbsp = unescape(sps);
    let mut record = vec![1];
    record.extend_from_slice(&sps_rbsp[3..15]);
    // min_spatial_segmentation 0, parallelism unknown, 4:2:0, 8-bit luma and
    // chroma, no frame rate, one temporal layer nested, lengths of 4 bytes.
    record.extend_from_slice(&[0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f]);
    record.push(3);
    for unit in [vps, sps, pps] {
        record.push(0x80 | nal_type(unit));
        record.extend_from_slice(&1u16.to_be_bytes());
        let len = u16::try_from(unit.len()).expect("a small parameter set");
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(unit);
    }
    record
}

/// A NAL unit without its emulation prevention bytes.
fn unescape(unit: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(unit.len());
    let mut zeros = 0;
    for &byte in unit {
        if zeros >= 2 && byte == 3 {
            zeros = 0;
            continue;
        }
        zeros = if byte == 0 { zeros + 1 } else { 0 };
        out.push(byte);
    }
    out
}

// ---- tags -----------------------------------------------------------------

fn ex_header(frame_type: u8, packet_type: u8, fourcc: &[u8; 4]) -> Vec<u8> {
    let mut header = vec![EX_HEADER | frame_type << 4 | packet_type];
    header.extend_from_slice(fourcc);
    header
}

fn legacy_header(frame_type: u8, packet_type: u8, cts_ms: i64) -> Vec<u8> {
    let mut header = vec![frame_type << 4 | LEGACY_HEVC, packet_type];
    header.extend_from_slice(&si24(cts_ms));
    header
}

/// A signed 24-bit big-endian composition time.
fn si24(ms: i64) -> [u8; 3] {
    let raw = i32::try_from(ms).expect("a small offset").to_be_bytes();
    [raw[1], raw[2], raw[3]]
}

/// Video frame number `index` at 25 frames per second.
fn video_at(index: usize, header: Vec<u8>, payload: &[u8]) -> Frame {
    let dts = i64::try_from(index).expect("a small index") * FRAME_MS;
    video(dts, header, payload)
}

fn video(dts: i64, mut body: Vec<u8>, payload: &[u8]) -> Frame {
    body.extend_from_slice(payload);
    Frame::parse(Track::Video, dts, Bytes::from(body)).expect("a well-formed video tag")
}

/// `video` and the AAC of [`h264_aac`] in decode order, sequence headers
/// first at equal times.
fn with_audio(video: Vec<Frame>) -> Vec<Frame> {
    let mut frames = video;
    frames.extend(aac());
    frames.sort_by_key(|f| (f.dts, !f.is_config()));
    frames
}

fn demux(flv: &[u8]) -> Vec<Frame> {
    let mut demuxer = Demuxer::new();
    let mut buf = BytesMut::from(flv);
    let mut frames = Vec::new();
    while let Some(frame) = demuxer
        .decode_frame(&mut buf)
        .expect("ffmpeg writes valid FLV")
    {
        frames.push(frame);
    }
    assert!(buf.is_empty(), "the whole FLV is read");
    frames
}

/// Runs ffmpeg with whitespace-separated `args` and the output path last.
fn ffmpeg(args: &str, out: &std::path::Path) {
    Command::new("ffmpeg")
        .arg("-version")
        .output()
        .expect("ffmpeg must be installed to run these tests");
    let output = run(
        Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-v", "error", "-y"])
            .args(args.split_whitespace())
            .arg(out),
        Duration::from_secs(60),
    );
    assert!(
        output.status.success(),
        "ffmpeg {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Deterministic filler bytes.
struct Noise(u64);

impl Noise {
    fn next_byte(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 56) as u8
    }
}
