use super::*;
use crate::chunk::encode_message;

fn header(csid: u32, timestamp: u32, type_id: u8) -> MessageHeader {
    MessageHeader {
        csid,
        timestamp,
        type_id,
        stream_id: 1,
    }
}

fn decode_all(decoder: &mut ChunkDecoder, bytes: &[u8]) -> Vec<RawMessage> {
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(m) = decoder.decode(&mut buf).unwrap() {
        out.push(m);
    }
    assert!(buf.is_empty(), "{} bytes left", buf.len());
    out
}

#[test]
fn encoded_messages_decode_back_at_any_chunk_size() {
    let payload: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    for size in [1, 7, 128, 999, 1000, 4096] {
        let h = header(6, 1234, 9);
        let bytes = encode_message(&h, &payload, size).unwrap();
        let mut decoder = ChunkDecoder::new(DecoderLimits::default());
        decoder.set_chunk_size(size).unwrap();
        let messages = decode_all(&mut decoder, &bytes);
        assert_eq!(
            messages,
            vec![RawMessage {
                header: h,
                payload: payload.clone().into()
            }]
        );
    }
}

#[test]
fn bytes_fed_one_at_a_time_give_the_same_message() {
    let h = header(300, 77, 8);
    let bytes = encode_message(&h, &[3u8; 300], 128).unwrap();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let mut buf = BytesMut::new();
    let mut got = None;
    for &b in bytes.iter() {
        buf.extend_from_slice(&[b]);
        if let Some(m) = decoder.decode(&mut buf).unwrap() {
            assert!(got.is_none());
            got = Some(m);
        }
    }
    assert_eq!(got.unwrap().payload.len(), 300);
}

#[test]
fn compressed_headers_accumulate_deltas() {
    // fmt 0 at 1000, fmt 1 +20 with a new length, fmt 2 +30, fmt 3 +30 again.
    let bytes = [
        &[0x04, 0x00, 0x03, 0xe8, 0, 0, 1, 8, 1, 0, 0, 0, b'a'][..],
        &[0x44, 0, 0, 20, 0, 0, 2, 8, b'b', b'c'],
        &[0x84, 0, 0, 30, b'd', b'e'],
        &[0xc4, b'f', b'g'],
    ]
    .concat();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let times: Vec<u32> = decode_all(&mut decoder, &bytes)
        .iter()
        .map(|m| m.header.timestamp)
        .collect();
    assert_eq!(times, vec![1000, 1020, 1050, 1080]);
}

#[test]
fn a_fmt3_message_after_fmt0_uses_the_fmt0_timestamp_as_delta() {
    let bytes = [
        &[0x04, 0, 0, 40, 0, 0, 1, 8, 1, 0, 0, 0, b'a'][..],
        &[0xc4, b'b'],
    ]
    .concat();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let times: Vec<u32> = decode_all(&mut decoder, &bytes)
        .iter()
        .map(|m| m.header.timestamp)
        .collect();
    assert_eq!(times, vec![40, 80]);
}

#[test]
fn deltas_wrap_modulo_2_pow_32() {
    let bytes = [
        &[
            0x04, 0xff, 0xff, 0xff, 0, 0, 1, 8, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0, b'a',
        ][..],
        &[0x84, 0, 0, 0x20, b'b'],
    ]
    .concat();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let times: Vec<u32> = decode_all(&mut decoder, &bytes)
        .iter()
        .map(|m| m.header.timestamp)
        .collect();
    assert_eq!(times, vec![0xffff_fff0, 0x10]);
}

#[test]
fn extended_timestamps_are_read_with_and_without_repeats() {
    let h = header(6, 0x0123_4567, 9);
    let payload = [9u8; 300];
    let repeated = encode_message(&h, &payload, 128).unwrap();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    assert_eq!(decode_all(&mut decoder, &repeated)[0].payload.len(), 300);

    // The same message without the repeats on fmt 3 chunks.
    let mut plain = repeated[..16 + 128].to_vec();
    plain.push(0xc6);
    plain.extend_from_slice(&payload[..128]);
    plain.push(0xc6);
    plain.extend_from_slice(&payload[..44]);
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let messages = decode_all(&mut decoder, &plain);
    assert_eq!(messages[0].header.timestamp, 0x0123_4567);
    assert_eq!(&messages[0].payload[..], &payload[..]);
}

#[test]
fn interleaved_chunk_streams_reassemble_separately() {
    let a = encode_message(&header(4, 1, 8), &[1u8; 200], 128).unwrap();
    let v = encode_message(&header(6, 2, 9), &[2u8; 200], 128).unwrap();
    let bytes = [&a[..140], &v[..140], &a[140..], &v[140..]].concat();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let messages = decode_all(&mut decoder, &bytes);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].header.csid, 4);
    assert!(messages[0].payload.iter().all(|&b| b == 1));
    assert!(messages[1].payload.iter().all(|&b| b == 2));
}

#[test]
fn abort_drops_the_partial_message() {
    let first = encode_message(&header(4, 1, 8), &[1u8; 200], 128).unwrap();
    let second = encode_message(&header(4, 2, 8), &[2u8; 10], 128).unwrap();
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let mut buf = BytesMut::from(&first[..140]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    decoder.abort(4);
    buf.extend_from_slice(&second);
    let m = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(&m.payload[..], &[2u8; 10]);
}

#[test]
fn limits_are_enforced() {
    let limits = DecoderLimits {
        max_chunk_size: 1000,
        max_message_size: 100,
        max_chunk_streams: 2,
    };
    let mut decoder = ChunkDecoder::new(limits);
    assert!(decoder.set_chunk_size(0).is_err());
    assert!(decoder.set_chunk_size(1001).is_err());
    assert!(decoder.set_chunk_size(0x8000_0000).is_err());
    let big = encode_message(&header(4, 0, 8), &[0u8; 101], 128).unwrap();
    assert_eq!(
        decoder.decode(&mut BytesMut::from(&big[..])),
        Err(ChunkError::MessageTooLarge {
            length: 101,
            max: 100
        })
    );
    let mut buf = BytesMut::new();
    for csid in [4, 5, 6] {
        buf.extend_from_slice(&encode_message(&header(csid, 0, 8), b"x", 128).unwrap());
    }
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    assert_eq!(
        decoder.decode(&mut buf),
        Err(ChunkError::TooManyChunkStreams { max: 2 })
    );
}

#[test]
fn compressed_header_on_a_new_csid_is_an_error() {
    let mut decoder = ChunkDecoder::new(DecoderLimits::default());
    let mut buf = BytesMut::from(&[0xc7, 1, 2][..]);
    assert_eq!(
        decoder.decode(&mut buf),
        Err(ChunkError::NoPreviousHeader { csid: 7, fmt: 3 })
    );
}

mod props {
    use proptest::prelude::*;

    use super::*;

    fn arb_message() -> impl Strategy<Value = (MessageHeader, Vec<u8>)> {
        (
            prop_oneof![2u32..64, 64u32..320, 320u32..=65599],
            any::<u32>(),
            any::<u8>(),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 0..600),
        )
            .prop_map(|(csid, timestamp, type_id, stream_id, payload)| {
                let header = MessageHeader {
                    csid,
                    timestamp,
                    type_id,
                    stream_id,
                };
                (header, payload)
            })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_stay_bounded(
            bytes in proptest::collection::vec(any::<u8>(), 0..4096),
            cut in 1usize..64,
        ) {
            let limits = DecoderLimits { max_chunk_streams: 8, ..DecoderLimits::default() };
            let mut decoder = ChunkDecoder::new(limits);
            let mut buf = BytesMut::new();
            'feed: for piece in bytes.chunks(cut) {
                buf.extend_from_slice(piece);
                loop {
                    match decoder.decode(&mut buf) {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(_) => break 'feed,
                    }
                }
                prop_assert!(decoder.buffered() + buf.len() <= bytes.len());
            }
        }

        #[test]
        fn encoded_messages_decode_back_whatever_the_chunk_size(
            messages in proptest::collection::vec(arb_message(), 1..6),
            chunk_size in 1u32..700,
            cut in 1usize..300,
        ) {
            let mut wire = Vec::new();
            for (header, payload) in &messages {
                wire.extend_from_slice(&encode_message(header, payload, chunk_size).unwrap());
            }
            let mut decoder = ChunkDecoder::new(DecoderLimits::default());
            decoder.set_chunk_size(chunk_size).unwrap();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            for piece in wire.chunks(cut) {
                buf.extend_from_slice(piece);
                while let Some(m) = decoder.decode(&mut buf).unwrap() {
                    got.push((m.header, m.payload.to_vec()));
                }
            }
            prop_assert_eq!(got, messages);
        }
    }
}
