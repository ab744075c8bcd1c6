//! Regression corpora of the publisher-fed codec parsers, replayed by the
//! normal test suite. Each directory under `tests/corpus/` is named after
//! the fuzz target it seeds (`scripts/fuzz.sh` hands it to that target), and
//! each file's name says what must happen: `ok_*` parses, `bad_*` is refused
//! with an error. A `nal_units` file starts with the NAL length size byte,
//! then the coded frame payload; a `frame_tag` file starts with the track
//! (0 audio, 1 video, 2 script) and a 32-bit timestamp, then the tag body:
//! as their fuzz targets read them.
//!
//! The `*x264*`, `*x265*` and `*ffmpeg*` seeds were cut from files ffmpeg
//! made from its lavfi test sources: the FLV tags of
//! `-c:v libx264 -profile:v high|baseline -c:a aac -ac 2|6`, the `hvcC` box
//! and first sample of an MP4 from `-c:v libx265` (wrapped in enhanced RTMP
//! and legacy id 12 tag headers for `frame_tag`). The others are written by
//! hand from ISO/IEC 14496-3 and 14496-15 and the enhanced RTMP tag layout.

use std::path::Path;

use bytes::Bytes;
use media::{avc, hevc, length_prefixed_to_annexb, nal, AudioSpecificConfig, AvcConfig};
use media::{Codec, Frame, FrameKind, HevcConfig, NalUnits, Track};

/// `(file name, contents)` of every seed of `target`, in name order.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut seeds: Vec<(String, Vec<u8>)> = entries
        .map(|entry| {
            let path = entry.unwrap_or_else(|e| panic!("{target}: {e}")).path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            (name.unwrap_or_default(), data)
        })
        .collect();
    seeds.sort();
    let ok = seeds.iter().filter(|(name, _)| name.starts_with("ok_"));
    let bad = seeds.iter().filter(|(name, _)| name.starts_with("bad_"));
    assert!(
        ok.count() >= 3 && bad.count() >= 2,
        "{target}: too few seeds"
    );
    seeds
}

fn seed(target: &str, name: &str) -> Vec<u8> {
    let found = seeds(target).into_iter().find(|(n, _)| n == name);
    found
        .unwrap_or_else(|| panic!("{target}/{name} is missing"))
        .1
}

/// Asserts the outcome the file name promises.
fn expect_outcome<T: std::fmt::Debug, E: std::fmt::Display>(name: &str, outcome: &Result<T, E>) {
    match outcome {
        Ok(value) => assert!(name.starts_with("ok_"), "{name} parsed: {value:?}"),
        Err(e) => assert!(name.starts_with("bad_"), "{name} was refused: {e}"),
    }
}

#[test]
fn avc_records_parse_as_their_names_say_with_sps_and_pps_in_their_places() {
    for (name, data) in seeds("avc_config") {
        let parsed = AvcConfig::parse(&Bytes::from(data.clone()));
        expect_outcome(&name, &parsed);
        let Ok(config) = parsed else { continue };
        let types = |units: &[Bytes]| -> Vec<Option<u8>> {
            units.iter().map(|u| avc::nal_unit_type(u)).collect()
        };
        assert_eq!(
            types(&config.sps),
            vec![Some(avc::nal_type::SPS); config.sps.len()]
        );
        assert_eq!(
            types(&config.pps),
            vec![Some(avc::nal_type::PPS); config.pps.len()]
        );
        let mut longer = data;
        longer.extend_from_slice(&[0xfd, 0xf8, 0xf8, 0]);
        assert_eq!(AvcConfig::parse(&Bytes::from(longer)), Ok(config), "{name}");
    }
}

#[test]
fn hevc_records_parse_as_their_names_say_with_parameter_sets_in_their_arrays() {
    for (name, data) in seeds("hevc_config") {
        let parsed = HevcConfig::parse(&Bytes::from(data));
        expect_outcome(&name, &parsed);
        let Ok(config) = parsed else { continue };
        let arrays = [
            (&config.vps, hevc::nal_type::VPS),
            (&config.sps, hevc::nal_type::SPS),
            (&config.pps, hevc::nal_type::PPS),
        ];
        for (units, nal_type) in arrays {
            assert!(
                units
                    .iter()
                    .all(|u| hevc::nal_unit_type(u) == Some(nal_type)),
                "{name}: a unit outside its array"
            );
        }
    }
}

#[test]
fn aac_configs_parse_as_their_names_say() {
    for (name, data) in seeds("aac_config") {
        expect_outcome(&name, &AudioSpecificConfig::parse(&data));
    }
}

#[test]
fn nal_payloads_parse_as_their_names_say_and_convert_only_when_whole() {
    for (name, data) in seeds("nal_units") {
        let Some((&length_size, payload)) = data.split_first() else {
            panic!("{name} is empty");
        };
        let units: Result<Vec<&[u8]>, _> =
            NalUnits::new(payload, length_size).and_then(|units| units.collect());
        expect_outcome(&name, &units);
        let mut annexb = Vec::new();
        let converted = length_prefixed_to_annexb(payload, length_size, &mut annexb);
        assert_eq!(converted.is_ok(), units.is_ok(), "{name}");
        let Ok(units) = units else {
            assert!(annexb.is_empty(), "{name}: a refused payload wrote bytes");
            continue;
        };
        let mut expected = Vec::new();
        for unit in &units {
            expected.extend_from_slice(&nal::START_CODE);
            expected.extend_from_slice(unit);
        }
        assert_eq!(annexb, expected, "{name}");
    }
}

#[test]
fn ffmpeg_avc_records_carry_the_profile_ffmpeg_was_asked_for() {
    for (name, profile) in [("ok_x264_high.bin", 100), ("ok_x264_baseline.bin", 66)] {
        let config = AvcConfig::parse(&Bytes::from(seed("avc_config", name)));
        let config = config.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(config.profile, profile, "{name}");
        assert_eq!(config.nal_length_size, 4, "{name}");
        assert_eq!((config.sps.len(), config.pps.len()), (1, 1), "{name}");
    }
}

#[test]
fn x265_record_has_one_vps_sps_and_pps_and_skips_its_sei_array() {
    let data = seed("hevc_config", "ok_x265_with_sei_array.bin");
    let config = HevcConfig::parse(&Bytes::from(data)).unwrap();
    assert_eq!(config.nal_length_size, 4);
    let counts = (config.vps.len(), config.sps.len(), config.pps.len());
    assert_eq!(counts, (1, 1, 1));
    let trimmed = seed("hevc_config", "ok_x265_parameter_sets_only.bin");
    assert_eq!(HevcConfig::parse(&Bytes::from(trimmed)), Ok(config));
}

#[test]
fn ffmpeg_aac_configs_carry_the_rate_and_channels_ffmpeg_was_asked_for() {
    let cases = [
        ("ok_lc_48k_stereo_ffmpeg.bin", 48_000, 2),
        ("ok_lc_44k1_5_1_ffmpeg.bin", 44_100, 6),
        ("ok_lc_22k05_mono_ffmpeg.bin", 22_050, 1),
        ("ok_lc_8k_mono_ffmpeg.bin", 8_000, 1),
    ];
    for (name, rate, channels) in cases {
        let config = AudioSpecificConfig::parse(&seed("aac_config", name));
        let config = config.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(config.object_type, 2, "{name}: AAC LC");
        assert_eq!(config.sampling_frequency, rate, "{name}");
        assert_eq!(config.channel_configuration, channels, "{name}");
        assert!(!config.sbr && config.adts_header(100).is_ok(), "{name}");
    }
}

#[test]
fn he_aac_seeds_report_the_core_lc_stream() {
    for name in ["ok_he_aac_sbr_24k_core.bin", "ok_he_aac_v2_ps.bin"] {
        let config = AudioSpecificConfig::parse(&seed("aac_config", name));
        let config = config.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(config.sbr, "{name}");
        assert_eq!((config.object_type, config.sampling_frequency), (2, 24_000));
    }
}

/// Parses the payload of an AVC, HEVC or AAC frame as the remuxers would.
fn parse_payload(frame: &Frame) -> Result<(), media::MediaError> {
    match (frame.kind, frame.codec) {
        (FrameKind::Config, Codec::Avc) => AvcConfig::parse(&frame.payload).map(drop),
        (FrameKind::Config, Codec::Hevc) => HevcConfig::parse(&frame.payload).map(drop),
        (FrameKind::Config, Codec::Aac) => AudioSpecificConfig::parse(&frame.payload).map(drop),
        (FrameKind::Coded, Codec::Avc | Codec::Hevc) => {
            NalUnits::new(&frame.payload, 4)?.try_for_each(|unit| unit.map(drop))
        }
        _ => Ok(()),
    }
}

#[test]
fn tag_bodies_parse_as_their_names_say_and_whole_payloads_parse_too() {
    for (name, data) in seeds("frame_tag") {
        let [track, t0, t1, t2, t3, body @ ..] = &data[..] else {
            panic!("{name} has no track and timestamp");
        };
        let track = [Track::Audio, Track::Video, Track::Data][usize::from(track % 3)];
        let dts = i64::from(u32::from_be_bytes([*t0, *t1, *t2, *t3]));
        let parsed = Frame::parse(track, dts, Bytes::copy_from_slice(body));
        expect_outcome(&name, &parsed);
        let Ok(frame) = parsed else { continue };
        assert_eq!(parse_payload(&frame), Ok(()), "{name}");
    }
}

#[test]
fn composition_offsets_move_pts_both_ways() {
    let inter = seed(
        "frame_tag",
        "ok_x264_inter_frame_with_composition_offset.bin",
    );
    let frame = Frame::parse(Track::Video, 80, Bytes::copy_from_slice(&inter[5..])).unwrap();
    assert_eq!((frame.dts, frame.pts, frame.keyframe), (80, 280, false));
    let hevc = seed("frame_tag", "ok_enhanced_hevc_coded_frames_with_offset.bin");
    let frame = Frame::parse(Track::Video, 1000, Bytes::copy_from_slice(&hevc[5..])).unwrap();
    assert_eq!(
        (frame.codec, frame.pts, frame.keyframe),
        (Codec::Hevc, 960, true)
    );
}
