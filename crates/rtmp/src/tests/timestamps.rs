use super::util::{audio_frame, video_keyframe, Pair};
use crate::chunk::{MessageHeader, CSID_VIDEO};

#[test]
fn extended_timestamps_cross_0xffffff_on_continuation_chunks() {
    let mut pair = Pair::default_pair();
    pair.publishing("k");
    pair.client.set_chunk_size(128);
    let sent = [
        video_keyframe(0xff_fff0, 1000),
        video_keyframe(0xff_ffff, 1000),
        video_keyframe(0x100_0010, 1000),
        audio_frame(0x100_0020),
    ];
    for frame in &sent {
        pair.client.send_frame(frame).unwrap();
    }
    pair.drive();
    assert_eq!(pair.server_frames(), sent);
}

/// Some encoders do not repeat the extended timestamp on fmt 3 chunks.
#[test]
fn extended_timestamps_without_repeats_are_read_too() {
    let mut pair = Pair::default_pair();
    let stream_id = pair.publishing("k");
    let frame = video_keyframe(0x0200_0000, 300);
    let header = MessageHeader {
        csid: CSID_VIDEO,
        timestamp: 0x0200_0000,
        type_id: 9,
        stream_id,
    };
    // Client chunk size is 4096: build 100-byte chunks by hand after a
    // Set Chunk Size of 100.
    pair.client.set_chunk_size(100);
    pair.drive();
    let mut bytes = vec![CSID_VIDEO as u8, 0xff, 0xff, 0xff, 0, 1, 44, 9];
    bytes.extend_from_slice(&header.stream_id.to_le_bytes());
    bytes.extend_from_slice(&header.timestamp.to_be_bytes());
    for (i, chunk) in frame.data.chunks(100).enumerate() {
        if i > 0 {
            bytes.push(0xc0 | CSID_VIDEO as u8);
        }
        bytes.extend_from_slice(chunk);
    }
    pair.deliver_to_server(&bytes);
    assert_eq!(pair.server_frames(), vec![frame]);
}

#[test]
fn timestamps_unwrap_past_32_bits() {
    let mut pair = Pair::default_pair();
    pair.publishing("k");
    let sent = [
        video_keyframe(i64::from(u32::MAX) - 100, 50),
        video_keyframe(i64::from(u32::MAX) + 100, 50),
    ];
    for frame in &sent {
        pair.client.send_frame(frame).unwrap();
    }
    pair.drive();
    let dts: Vec<i64> = pair.server_frames().iter().map(|f| f.dts).collect();
    assert_eq!(dts, [i64::from(u32::MAX) - 100, i64::from(u32::MAX) + 100]);
}
