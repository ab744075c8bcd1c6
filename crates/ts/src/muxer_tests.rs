use bytes::{Bytes, BytesMut};
use media::{Frame, Track};

use super::*;
use crate::packet::PACKET_LEN;
use crate::pes::read_timestamp;

const AVC_RECORD: &[u8] = &[
    1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xee,
];

fn avc_config() -> Frame {
    let mut body = vec![0x17, 0, 0, 0, 0];
    body.extend_from_slice(AVC_RECORD);
    Frame::parse(Track::Video, 0, Bytes::from(body)).unwrap()
}

fn aac_config() -> Frame {
    Frame::parse(Track::Audio, 0, Bytes::from_static(&[0xaf, 0, 0x11, 0x90])).unwrap()
}

fn avc_frame(dts: i64, cts: u8, keyframe: bool, nals: &[&[u8]]) -> Frame {
    let first = if keyframe { 0x17 } else { 0x27 };
    let mut body = vec![first, 1, 0, 0, cts];
    for nal in nals {
        body.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        body.extend_from_slice(nal);
    }
    Frame::parse(Track::Video, dts, Bytes::from(body)).unwrap()
}

fn aac_frame(dts: i64, len: usize) -> Frame {
    let mut body = vec![0xaf, 1];
    body.resize(2 + len, 0x21);
    Frame::parse(Track::Audio, dts, Bytes::from(body)).unwrap()
}

/// One parsed transport packet.
#[derive(Debug)]
struct Packet {
    pid: u16,
    unit_start: bool,
    counter: u8,
    flags: u8,
    pcr: Option<u64>,
    payload: Vec<u8>,
}

fn packets(data: &[u8]) -> Vec<Packet> {
    assert_eq!(data.len() % PACKET_LEN, 0);
    data.chunks(PACKET_LEN)
        .map(|p| {
            assert_eq!(p[0], 0x47);
            let has_field = p[3] & 0x20 != 0;
            let field_len = if has_field { 1 + usize::from(p[4]) } else { 0 };
            let flags = if field_len > 1 { p[5] } else { 0 };
            let pcr = (flags & 0x10 != 0).then(|| {
                (u64::from(p[6]) << 25)
                    | (u64::from(p[7]) << 17)
                    | (u64::from(p[8]) << 9)
                    | (u64::from(p[9]) << 1)
                    | u64::from(p[10] >> 7)
            });
            Packet {
                pid: u16::from(p[1] & 0x1f) << 8 | u16::from(p[2]),
                unit_start: p[1] & 0x40 != 0,
                counter: p[3] & 0x0f,
                flags,
                pcr,
                payload: p[4 + field_len..].to_vec(),
            }
        })
        .collect()
}

/// PES packets of `pid`, each with the flags of its first transport packet.
fn pes_packets(data: &[u8], pid: u16) -> Vec<(u8, Option<u64>, Vec<u8>)> {
    let mut out: Vec<(u8, Option<u64>, Vec<u8>)> = Vec::new();
    for packet in packets(data).into_iter().filter(|p| p.pid == pid) {
        if packet.unit_start {
            out.push((packet.flags, packet.pcr, packet.payload));
        } else if let Some(last) = out.last_mut() {
            last.2.extend_from_slice(&packet.payload);
        }
    }
    out
}

fn muxer_with(frames: &[Frame]) -> TsMuxer {
    let mut muxer = TsMuxer::new();
    for frame in frames {
        muxer.handle_config(frame).unwrap();
    }
    muxer
}

#[test]
fn tables_list_only_configured_tracks() {
    let mut muxer = muxer_with(&[aac_config()]);
    assert_eq!(
        muxer.program(),
        Program {
            video: None,
            audio: Some(StreamType::AdtsAac)
        }
    );
    let mut out = BytesMut::new();
    muxer.write_tables(&mut out);
    let tables = packets(&out);
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0].pid, 0);
    assert_eq!(tables[1].pid, PMT_PID);
    // pointer field, then the PMT with one stream entry.
    assert_eq!(tables[1].payload[1 + 12], 0x0f);
    let section_length = u16::from_be_bytes([tables[1].payload[2], tables[1].payload[3]]) & 0xfff;
    assert_eq!(section_length, 9 + 5 + 4, "one stream entry");
}

#[test]
fn keyframes_get_aud_parameter_sets_pcr_and_random_access() {
    let mut muxer = muxer_with(&[avc_config(), aac_config()]);
    let mut out = BytesMut::new();
    let frame = avc_frame(1000, 80, true, &[&[0x09, 0x10], &[0x65, 1, 2, 3]]);
    assert!(muxer.write_frame(&frame, &mut out).unwrap());
    let all = packets(&out);
    assert_eq!(all[0].pid, 0, "tables come before the first frame");
    assert_eq!(all[1].pid, PMT_PID);
    let pes = pes_packets(&out, VIDEO_PID);
    assert_eq!(pes.len(), 1);
    let (flags, pcr, data) = &pes[0];
    assert_eq!(flags & 0x50, 0x50, "random access and PCR");
    assert_eq!(*pcr, Some(90_000));
    assert_eq!(read_timestamp(&data[9..14]), 90 * 1080);
    assert_eq!(read_timestamp(&data[14..19]), 90_000);
    let es = &data[19..];
    let expected: &[u8] = &[
        0, 0, 0, 1, 0x09, 0xf0, // our AUD; the frame's own AUD is dropped
        0, 0, 0, 1, 0x67, 0x64, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xee, // SPS, PPS
        0, 0, 0, 1, 0x65, 1, 2, 3,
    ];
    assert_eq!(es, expected);
}

#[test]
fn inter_frames_have_no_parameter_sets_and_no_random_access() {
    let mut muxer = muxer_with(&[avc_config()]);
    let mut out = BytesMut::new();
    muxer
        .write_frame(&avc_frame(40, 0, false, &[&[0x41, 9]]), &mut out)
        .unwrap();
    let pes = pes_packets(&out, VIDEO_PID);
    let (flags, _, data) = &pes[0];
    assert_eq!(flags & 0x40, 0);
    assert_eq!(data[8], 5, "PTS only when it equals DTS");
    assert_eq!(&data[14..], &[0, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x41, 9]);
}

#[test]
fn aac_is_wrapped_in_adts_with_bounded_pes_length() {
    let mut muxer = muxer_with(&[aac_config()]);
    let mut out = BytesMut::new();
    muxer.write_frame(&aac_frame(20, 300), &mut out).unwrap();
    let pes = pes_packets(&out, AUDIO_PID);
    let (flags, pcr, data) = &pes[0];
    assert_eq!(*pcr, Some(1800), "audio-only streams carry PCR on audio");
    assert_eq!(flags & 0x40, 0x40);
    assert_eq!(
        usize::from(u16::from_be_bytes([data[4], data[5]])),
        3 + 5 + 7 + 300
    );
    assert_eq!(&data[14..16], &[0xff, 0xf1]);
    assert_eq!(data.len(), 14 + 7 + 300);
}

#[test]
fn continuity_counters_are_per_pid() {
    let mut muxer = muxer_with(&[avc_config(), aac_config()]);
    let mut out = BytesMut::new();
    for i in 0..20 {
        muxer.write_frame(&aac_frame(i * 21, 10), &mut out).unwrap();
        muxer
            .write_frame(&avc_frame(i * 40, 0, i == 0, &[&[0x41; 400]]), &mut out)
            .unwrap();
    }
    for pid in [VIDEO_PID, AUDIO_PID] {
        let counters: Vec<u8> = packets(&out)
            .iter()
            .filter(|p| p.pid == pid)
            .map(|p| p.counter)
            .collect();
        for pair in counters.windows(2) {
            assert_eq!(pair[1], (pair[0] + 1) & 0x0f, "pid {pid:#x}");
        }
    }
}

#[test]
fn timestamps_above_32_bits_wrap_at_33_bits() {
    let mut muxer = muxer_with(&[avc_config()]);
    let mut out = BytesMut::new();
    let dts = (1i64 << 32) + 1234;
    muxer
        .write_frame(&avc_frame(dts, 0, true, &[&[0x65]]), &mut out)
        .unwrap();
    let (_, pcr, data) = &pes_packets(&out, VIDEO_PID)[0];
    let expected = ((dts * 90) as u64) & ((1 << 33) - 1);
    assert_eq!(read_timestamp(&data[9..14]), expected);
    assert_eq!(*pcr, Some(expected));
}

#[test]
fn a_frame_with_a_bad_nal_length_writes_nothing() {
    let mut muxer = muxer_with(&[avc_config()]);
    let mut out = BytesMut::new();
    muxer.write_tables(&mut out);
    let before = out.len();
    let frame = Frame::parse(
        Track::Video,
        0,
        Bytes::from_static(&[0x17, 1, 0, 0, 0, 0, 0, 1, 0, 0x65]),
    )
    .unwrap();
    assert!(muxer.write_frame(&frame, &mut out).is_err());
    assert_eq!(out.len(), before);
}

#[test]
fn config_updates_are_reported_and_bump_the_pmt_only_when_streams_change() {
    let mut muxer = TsMuxer::new();
    assert_eq!(muxer.handle_config(&avc_config()), Ok(ConfigUpdate::Added));
    assert_eq!(
        muxer.handle_config(&avc_config()),
        Ok(ConfigUpdate::Unchanged)
    );
    let version = muxer.pmt_version;
    let mut changed = AVC_RECORD.to_vec();
    changed[3] = 0x28;
    let mut body = vec![0x17, 0, 0, 0, 0];
    body.extend_from_slice(&changed);
    let frame = Frame::parse(Track::Video, 0, Bytes::from(body)).unwrap();
    assert_eq!(muxer.handle_config(&frame), Ok(ConfigUpdate::Changed));
    assert_eq!(muxer.pmt_version, version, "same stream type, same PMT");
    assert_eq!(muxer.handle_config(&aac_config()), Ok(ConfigUpdate::Added));
    assert_ne!(muxer.pmt_version, version);
}

#[test]
fn frames_without_config_or_in_other_codecs_are_not_muxed() {
    let mut muxer = muxer_with(&[avc_config()]);
    let mut out = BytesMut::new();
    assert_eq!(muxer.write_frame(&aac_frame(0, 10), &mut out), Ok(false));
    let hevc = Frame::parse(Track::Video, 0, Bytes::from_static(&[0x1c, 1, 0, 0, 0])).unwrap();
    assert_eq!(muxer.write_frame(&hevc, &mut out), Ok(false));
    assert!(out.is_empty());
}

#[test]
fn garbage_configs_are_errors_and_keep_the_old_state() {
    let mut muxer = muxer_with(&[avc_config()]);
    let bad = Frame::parse(Track::Video, 0, Bytes::from_static(&[0x17, 0, 0, 0, 0, 1])).unwrap();
    assert!(muxer.handle_config(&bad).is_err());
    assert_eq!(muxer.program().video, Some(StreamType::H264));
}

#[test]
fn hevc_keyframes_get_an_hevc_aud_and_vps_sps_pps() {
    let mut record = vec![1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d];
    record.extend_from_slice(&[0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 3]);
    for (nal_type, unit) in [(32u8, [0x40, 1]), (33, [0x42, 1]), (34, [0x44, 1])] {
        record.extend_from_slice(&[0x80 | nal_type, 0, 1, 0, 2]);
        record.extend_from_slice(&unit);
    }
    let mut body = vec![0x80 | 0x10];
    body.extend_from_slice(b"hvc1");
    body.extend_from_slice(&record);
    let config = Frame::parse(Track::Video, 0, Bytes::from(body)).unwrap();
    let mut muxer = muxer_with(&[config]);
    assert_eq!(muxer.program().video, Some(StreamType::H265));
    let mut body = vec![0x80 | 0x10 | 1];
    body.extend_from_slice(b"hvc1");
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 3, 0x26, 1, 0xaf]);
    let frame = Frame::parse(Track::Video, 0, Bytes::from(body)).unwrap();
    let mut out = BytesMut::new();
    assert!(muxer.write_frame(&frame, &mut out).unwrap());
    let (_, _, data) = &pes_packets(&out, VIDEO_PID)[0];
    let expected: &[u8] = &[
        0, 0, 0, 1, 0x46, 1, 0x50, // AUD
        0, 0, 0, 1, 0x40, 1, 0, 0, 0, 1, 0x42, 1, 0, 0, 0, 1, 0x44, 1, // VPS, SPS, PPS
        0, 0, 0, 1, 0x26, 1, 0xaf, // IDR_W_RADL
    ];
    assert_eq!(&data[14..], expected);
}
