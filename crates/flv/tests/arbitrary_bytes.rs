//! Properties of the demuxer over inputs a peer controls.

use bytes::BytesMut;
use flv::{encode_tag, Demuxer, FlvHeader};
use media::Track;
use proptest::prelude::*;

/// Feeds `data` in chunks of `chunk` bytes and drains frames after each;
/// returns how many tags were read before the end or an error.
fn drain(data: &[u8], chunk: usize, header: bool) -> usize {
    let mut demuxer = if header {
        Demuxer::new()
    } else {
        Demuxer::without_header()
    }
    .with_max_tag_size(64 * 1024);
    let mut buf = BytesMut::new();
    let mut count = 0;
    for part in data.chunks(chunk.max(1)) {
        buf.extend_from_slice(part);
        loop {
            match demuxer.decode_frame(&mut buf) {
                Ok(Some(_)) => count += 1,
                Ok(None) => break,
                Err(flv::FlvError::Media(_)) => count += 1,
                Err(_) => return count,
            }
        }
    }
    count
}

fn track() -> impl Strategy<Value = Track> {
    prop_oneof![Just(Track::Audio), Just(Track::Video), Just(Track::Data)]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        drain(&data, chunk, true);
        drain(&data, chunk, false);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut input = FlvHeader { audio: true, video: true }.encode().to_vec();
        input.extend_from_slice(&data);
        drain(&input, 7, true);
    }

    #[test]
    fn encoded_tags_demux_to_the_same_tags_in_any_chunking(
        tags in proptest::collection::vec((track(), any::<u32>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..20),
        chunk in 1usize..500,
    ) {
        let mut input = FlvHeader::default().encode().to_vec();
        for (track, ts, body) in &tags {
            input.extend_from_slice(&encode_tag(*track, i64::from(*ts), body));
        }
        let mut demuxer = Demuxer::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for part in input.chunks(chunk) {
            buf.extend_from_slice(part);
            while let Some(tag) = demuxer.decode_tag(&mut buf).unwrap() {
                out.push((tag.track, tag.timestamp, tag.body.to_vec()));
            }
        }
        prop_assert_eq!(out, tags);
        prop_assert!(buf.is_empty());
    }
}
