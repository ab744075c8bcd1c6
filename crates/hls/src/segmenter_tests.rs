use bytes::Bytes;
use media::{Frame, Track};

use super::*;

const AVC_RECORD: &[u8] = &[
    1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xee,
];

fn avc_config(level: u8) -> Frame {
    let mut body = vec![0x17, 0, 0, 0, 0];
    body.extend_from_slice(AVC_RECORD);
    body[5 + 3] = level;
    Frame::parse(Track::Video, 0, Bytes::from(body)).unwrap()
}

fn aac_config() -> Frame {
    Frame::parse(Track::Audio, 0, Bytes::from_static(&[0xaf, 0, 0x11, 0x90])).unwrap()
}

fn video(dts: i64, keyframe: bool) -> Frame {
    let first = if keyframe { 0x17 } else { 0x27 };
    let nal = if keyframe { 0x65 } else { 0x41 };
    let body = vec![first, 1, 0, 0, 0, 0, 0, 0, 2, nal, 0x80];
    Frame::parse(Track::Video, dts, Bytes::from(body)).unwrap()
}

fn audio(dts: i64) -> Frame {
    Frame::parse(
        Track::Audio,
        dts,
        Bytes::from_static(&[0xaf, 1, 0x21, 0x10]),
    )
    .unwrap()
}

/// 25 fps video with a keyframe every `gop` frames and audio every 20 ms,
/// from `start` for `frames` video frames.
fn av_frames(start: i64, frames: i64, gop: i64) -> Vec<Frame> {
    let mut out = Vec::new();
    for i in 0..frames {
        let dts = start + i * 40;
        out.push(video(dts, i % gop == 0));
        out.push(audio(dts));
        out.push(audio(dts + 20));
    }
    out
}

fn segmenter() -> Segmenter {
    let mut segmenter = Segmenter::new(HlsConfig::default());
    segmenter.handle_frame(&avc_config(0x1f)).unwrap();
    segmenter.handle_frame(&aac_config()).unwrap();
    segmenter
}

fn feed(segmenter: &mut Segmenter, frames: &[Frame]) {
    for frame in frames {
        segmenter.handle_frame(frame).unwrap();
    }
}

fn events(segmenter: &mut Segmenter) -> Vec<HlsEvent> {
    std::iter::from_fn(|| segmenter.poll_event()).collect()
}

fn playlist(segmenter: &Segmenter) -> String {
    String::from_utf8(segmenter.playlist().to_vec()).unwrap()
}

fn ready(seq: u64, ms: u64) -> HlsEvent {
    HlsEvent::SegmentReady {
        seq,
        duration: Duration::from_millis(ms),
    }
}

#[test]
fn video_is_cut_on_keyframes_once_the_target_is_reached() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 125, 25));
    assert_eq!(events(&mut s), vec![ready(0, 2000), ready(1, 2000)]);
    s.finish();
    assert_eq!(events(&mut s), vec![ready(2, 1000), HlsEvent::Ended]);
    assert_eq!(
        playlist(&s),
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
         #EXTINF:2.000,\n0.ts\n#EXTINF:2.000,\n1.ts\n#EXTINF:1.000,\n2.ts\n#EXT-X-ENDLIST\n"
    );
}

#[test]
fn every_segment_starts_with_tables_then_a_keyframe() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 125, 25));
    s.finish();
    for seq in 0..3 {
        let data = s.segment(seq).unwrap();
        assert_eq!(data.len() % 188, 0);
        let pids: Vec<u16> = data
            .chunks(188)
            .map(|p| u16::from(p[1] & 0x1f) << 8 | u16::from(p[2]))
            .collect();
        assert_eq!(
            &pids[..3],
            &[0, ts::PMT_PID, ts::VIDEO_PID],
            "segment {seq}"
        );
        let first_video = &data[2 * 188..3 * 188];
        assert_eq!(
            first_video[5] & 0x40,
            0x40,
            "random access in segment {seq}"
        );
    }
}

#[test]
fn frames_before_the_first_keyframe_are_dropped() {
    let mut s = segmenter();
    feed(&mut s, &[audio(0), video(0, false), audio(20)]);
    s.finish();
    assert_eq!(events(&mut s), vec![HlsEvent::Ended]);
    assert_eq!(s.segment_count(), 0);
}

#[test]
fn audio_only_streams_are_cut_on_time() {
    let mut s = Segmenter::new(HlsConfig::default());
    s.handle_frame(&aac_config()).unwrap();
    for i in 0..300 {
        s.handle_frame(&audio(1000 + i * 21)).unwrap();
    }
    let got = events(&mut s);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], ready(0, 2016));
    let data = s.segment(0).unwrap();
    assert_eq!(data[2 * 188 + 1] & 0x1f, (ts::AUDIO_PID >> 8) as u8);
}

#[test]
fn the_window_keeps_the_newest_segments_only() {
    let mut s = Segmenter::new(HlsConfig {
        window: 3,
        ..HlsConfig::default()
    });
    s.handle_frame(&avc_config(0x1f)).unwrap();
    feed(&mut s, &av_frames(0, 500, 25));
    let got = events(&mut s);
    assert!(got.contains(&HlsEvent::SegmentRemoved { seq: 0 }));
    assert_eq!(s.segment_count(), 3);
    assert!(s.segment(5).is_none());
    assert!(s.segment(8).is_some());
    assert!(playlist(&s).contains("#EXT-X-MEDIA-SEQUENCE:6\n"));
}

#[test]
fn a_timeline_jump_starts_a_discontinuity_at_the_next_keyframe() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 60, 25));
    // The publisher comes back with timestamps from zero.
    feed(&mut s, &[video(0, false), audio(0)]);
    feed(&mut s, &av_frames(40, 60, 25));
    s.finish();
    let text = playlist(&s);
    assert!(
        text.contains("#EXTINF:0.400,\n1.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n2.ts\n"),
        "{text}"
    );
}

#[test]
fn a_changed_codec_config_cuts_at_the_next_keyframe_with_a_discontinuity() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 30, 25));
    s.handle_frame(&avc_config(0x1f)).unwrap();
    feed(&mut s, &av_frames(1200, 10, 25));
    assert_eq!(
        events(&mut s),
        vec![],
        "same config again, keyframe at 1.2 s: no cut"
    );
    s.handle_frame(&avc_config(0x28)).unwrap();
    feed(&mut s, &av_frames(1600, 10, 25));
    assert_eq!(events(&mut s), vec![ready(0, 1600)]);
    s.finish();
    assert!(playlist(&s).contains("#EXT-X-DISCONTINUITY\n#EXTINF:0.400,\n1.ts\n"));
}

#[test]
fn frames_after_finish_resume_with_a_discontinuity_and_no_endlist() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 50, 25));
    s.finish();
    assert!(s.is_ended());
    feed(
        &mut s,
        &[avc_config(0x1f), aac_config(), video(2000, false)],
    );
    assert!(s.is_ended(), "no segment has started yet");
    assert!(playlist(&s).ends_with("#EXT-X-ENDLIST\n"));
    feed(&mut s, &av_frames(2000, 100, 25));
    assert!(!s.is_ended());
    let text = playlist(&s);
    assert!(!text.contains("ENDLIST"), "{text}");
    assert!(
        text.contains("#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n1.ts\n"),
        "{text}"
    );
}

#[test]
fn the_playlist_is_shared_until_a_segment_closes() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 60, 25));
    let first = s.playlist();
    feed(&mut s, &av_frames(2400, 5, 25)[1..]);
    assert_eq!(s.playlist().as_ptr(), first.as_ptr());
    feed(&mut s, &av_frames(4000, 1, 25));
    assert_ne!(s.playlist().as_ptr(), first.as_ptr());
}

#[test]
fn an_oversized_segment_is_closed_and_frames_wait_for_a_keyframe() {
    let mut s = Segmenter::new(HlsConfig {
        max_segment_bytes: 188 * 20,
        ..HlsConfig::default()
    });
    s.handle_frame(&avc_config(0x1f)).unwrap();
    feed(&mut s, &av_frames(0, 100, 1000));
    let got = events(&mut s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(s.segment(0).unwrap().len() <= 188 * 21);
    feed(&mut s, &av_frames(4000, 1, 1));
    s.finish();
    assert!(playlist(&s).contains("#EXT-X-DISCONTINUITY\n"));
}

#[test]
fn timestamps_far_from_zero_keep_exact_durations() {
    for start in [(1i64 << 32) + 123, 0xff_ffff - 500, -3000] {
        let mut s = segmenter();
        feed(&mut s, &av_frames(start, 125, 25));
        s.finish();
        let got = events(&mut s);
        assert_eq!(
            got[..3],
            [ready(0, 2000), ready(1, 2000), ready(2, 1000)],
            "start {start}"
        );
    }
}

#[test]
fn a_bad_frame_is_an_error_and_the_stream_goes_on() {
    let mut s = segmenter();
    feed(&mut s, &av_frames(0, 10, 25));
    let broken = Frame::parse(
        Track::Video,
        400,
        Bytes::from_static(&[0x27, 1, 0, 0, 0, 0, 0, 0, 9, 0x41]),
    )
    .unwrap();
    assert!(s.handle_frame(&broken).is_err());
    feed(&mut s, &av_frames(440, 60, 25));
    assert_eq!(events(&mut s).len(), 1);
}
