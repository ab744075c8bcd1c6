#![allow(clippy::unwrap_used)]

use bytes::{BufMut, Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9/_.é-]{{0,{}}}", max / 2)).unwrap()
}

fn nonce() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 16..=64).prop_map(Bytes::from)
}

fn headers() -> impl Strategy<Value = request::Headers> {
    vec((text(32), text(64)), 0..8)
}

fn code() -> impl Strategy<Value = ErrorCode> {
    proptest::sample::select(ErrorCode::ALL.to_vec())
}

fn auth_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (any::<u16>(), text(128), nonce()).prop_map(|(version, name, nonce)| {
            Frame::Hello(Hello {
                version,
                name,
                nonce,
            })
        }),
        (nonce(), nonce(), any::<u32>()).prop_map(|(nonce, salt, iterations)| {
            Frame::Challenge(Challenge {
                nonce,
                salt,
                iterations,
            })
        }),
        Just(Frame::RegisterNeeded(RegisterNeeded)),
        (nonce(), any::<u32>(), any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(
            |(salt, iterations, stored_key, server_key)| Frame::Register(Register {
                salt,
                iterations,
                stored_key,
                server_key,
            })
        ),
        any::<[u8; 32]>().prop_map(|proof| Frame::Proof(Proof { proof })),
        (any::<[u8; 32]>(), any::<u32>()).prop_map(|(signature, heartbeat_ms)| {
            Frame::Welcome(Welcome {
                signature,
                heartbeat_ms,
            })
        }),
    ]
}

fn control_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        any::<u64>().prop_map(|seq| Frame::Heartbeat(Heartbeat { seq })),
        text(256).prop_map(|stream| Frame::Announce(Announce { stream })),
        text(256).prop_map(|stream| Frame::Withdraw(Withdraw { stream })),
        (text(256), text(1024))
            .prop_map(|(stream, reason)| Frame::StreamRefused(StreamRefused { stream, reason })),
        (code(), text(1024)).prop_map(|(code, reason)| Frame::Error(ErrorFrame { code, reason })),
    ]
}

fn request_frame() -> impl Strategy<Value = Frame> {
    let body = || vec(any::<u8>(), 0..512).prop_map(Bytes::from);
    prop_oneof![
        text(256).prop_map(|stream| Frame::Pull(Pull { stream })),
        body().prop_map(|data| Frame::Tag(Tag { data })),
        text(1024).prop_map(|reason| Frame::End(End { reason })),
        (text(16), text(256), text(256), headers(), body()).prop_map(
            |(method, path, query, headers, body)| Frame::ApiRequest(ApiRequest {
                method,
                path,
                query,
                headers,
                body,
            })
        ),
        (any::<u16>(), headers(), body()).prop_map(|(status, headers, body)| {
            Frame::ApiResponse(ApiResponse {
                status,
                headers,
                body,
            })
        }),
    ]
}

fn any_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![auth_frame(), control_frame(), request_frame()]
}

proptest! {
    #[test]
    fn every_frame_decodes_to_itself(frame in any_frame()) {
        let bytes = frame.encode(REQUEST_MAX_FRAME).unwrap();
        let mut buf = BytesMut::from(&bytes[..]);
        prop_assert_eq!(Frame::decode(&mut buf, REQUEST_MAX_FRAME).unwrap(), Some(frame));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn frames_split_anywhere_decode_once_complete(
        frames in vec(any_frame(), 1..5),
        piece in 1usize..40,
    ) {
        let mut wire = Vec::new();
        for f in &frames {
            wire.extend_from_slice(&f.encode(REQUEST_MAX_FRAME).unwrap());
        }
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for part in wire.chunks(piece) {
            buf.extend_from_slice(part);
            while let Some(f) = Frame::decode(&mut buf, REQUEST_MAX_FRAME).unwrap() {
                out.push(f);
            }
        }
        prop_assert_eq!(out, frames);
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = Frame::decode(&mut buf, CONTROL_MAX_FRAME) {}
    }
}

fn raw(kind: u8, payload: &[u8]) -> BytesMut {
    let mut buf = BytesMut::new();
    buf.put_u32(u32::try_from(payload.len() + 1).unwrap());
    buf.put_u8(kind);
    buf.put_slice(payload);
    buf
}

#[test]
fn oversized_length_is_refused_before_the_payload_arrives() {
    let mut buf = BytesMut::new();
    buf.put_u32(u32::try_from(CONTROL_MAX_FRAME + 1).unwrap());
    assert_eq!(
        Frame::decode(&mut buf, CONTROL_MAX_FRAME),
        Err(FrameError::TooLarge {
            len: CONTROL_MAX_FRAME + 1,
            max: CONTROL_MAX_FRAME
        })
    );
}

#[test]
fn a_short_buffer_is_incomplete_and_nothing_is_consumed() {
    let bytes = Frame::Heartbeat(Heartbeat { seq: 7 })
        .encode(CONTROL_MAX_FRAME)
        .unwrap();
    for cut in 0..bytes.len() {
        let mut buf = BytesMut::from(&bytes[..cut]);
        assert_eq!(Frame::decode(&mut buf, CONTROL_MAX_FRAME), Ok(None));
        assert_eq!(buf.len(), cut);
    }
}

#[test]
fn malformed_payloads_are_typed_errors() {
    let cases: Vec<(BytesMut, FrameError)> = vec![
        (BytesMut::from(&[0u8, 0, 0, 0][..]), FrameError::Empty),
        (raw(0x7e, &[]), FrameError::UnknownType(0x7e)),
        (raw(kind::HEARTBEAT, &[0; 3]), FrameError::Truncated),
        (raw(kind::HEARTBEAT, &[0; 9]), FrameError::TrailingBytes(1)),
        (
            raw(kind::ANNOUNCE, &[0, 2, 0xff, 0xfe]),
            FrameError::NotUtf8 { field: "stream" },
        ),
        (
            raw(kind::ERROR, &[0, 99, 0, 0]),
            FrameError::UnknownErrorCode(99),
        ),
        (
            raw(kind::HELLO, &[0, 1, 0, 1, b'a', 3, 1, 2, 3]),
            FrameError::FieldTooShort {
                field: "client nonce",
                len: 3,
                min: 16,
            },
        ),
        (
            raw(kind::API_RESPONSE, &[0, 200, 65]),
            FrameError::TooManyHeaders { count: 65, max: 64 },
        ),
    ];
    for (mut buf, want) in cases {
        assert_eq!(Frame::decode(&mut buf, CONTROL_MAX_FRAME), Err(want));
    }
}

#[test]
fn a_frame_over_the_limit_is_not_encoded() {
    let tag = Frame::Tag(Tag {
        data: Bytes::from(vec![0u8; CONTROL_MAX_FRAME]),
    });
    assert!(matches!(
        tag.encode(CONTROL_MAX_FRAME),
        Err(FrameError::TooLarge { .. })
    ));
    let long = Frame::Announce(Announce {
        stream: "x".repeat(control::STREAM_NAME_MAX + 1),
    });
    assert!(matches!(
        long.encode(CONTROL_MAX_FRAME),
        Err(FrameError::FieldTooLong {
            field: "stream",
            ..
        })
    ));
}
