use bytes::{BufMut, Bytes, BytesMut};
use media::Frame;

use super::header::write_basic;
use super::{
    MessageHeader, CSID_AUDIO, CSID_DATA, CSID_VIDEO, EXTENDED_TIMESTAMP, MAX_CSID,
    MAX_MESSAGE_LENGTH,
};
use crate::error::ChunkError;

/// Cuts one message into chunks of at most `chunk_size` payload bytes.
///
/// The first chunk has a full fmt 0 header; the others are fmt 3. A
/// timestamp of 0xFFFFFF or more is sent as an extended timestamp, repeated
/// after every fmt 3 header as librtmp and ffmpeg expect. A `chunk_size` of
/// 0 is treated as 1.
pub fn encode_message(
    header: &MessageHeader,
    payload: &[u8],
    chunk_size: u32,
) -> Result<Bytes, ChunkError> {
    let mut out = BytesMut::new();
    encode_message_into(&mut out, header, payload, chunk_size)?;
    Ok(out.freeze())
}

/// [`encode_message`] appending to `out`.
pub fn encode_message_into(
    out: &mut BytesMut,
    header: &MessageHeader,
    payload: &[u8],
    chunk_size: u32,
) -> Result<(), ChunkError> {
    if payload.len() > MAX_MESSAGE_LENGTH as usize {
        return Err(ChunkError::MessageTooLarge {
            length: u32::try_from(payload.len()).unwrap_or(u32::MAX),
            max: MAX_MESSAGE_LENGTH,
        });
    }
    if !(2..=MAX_CSID).contains(&header.csid) {
        return Err(ChunkError::InvalidChunkStreamId { csid: header.csid });
    }
    let chunk_size = chunk_size.max(1) as usize;
    let extended = header.timestamp >= EXTENDED_TIMESTAMP;
    let chunks = payload.len().div_ceil(chunk_size).max(1);
    out.reserve(payload.len() + 16 + chunks * 8);

    write_basic(out, 0, header.csid);
    out.put_uint(u64::from(header.timestamp.min(EXTENDED_TIMESTAMP)), 3);
    out.put_uint(payload.len() as u64, 3);
    out.put_u8(header.type_id);
    out.put_u32_le(header.stream_id);
    if extended {
        out.put_u32(header.timestamp);
    }
    for (i, chunk) in payload.chunks(chunk_size).enumerate() {
        if i > 0 {
            write_basic(out, 3, header.csid);
            if extended {
                out.put_u32(header.timestamp);
            }
        }
        out.put_slice(chunk);
    }
    Ok(())
}

/// Serialises a frame as a player receives it on message stream
/// `stream_id`: audio on [`CSID_AUDIO`], video on [`CSID_VIDEO`], data on
/// [`CSID_DATA`], timestamp = `dts` modulo 2^32. Sessions send frames with
/// this very function, so the bytes can be produced once and shared.
pub fn encode_frame(frame: &Frame, stream_id: u32, chunk_size: u32) -> Result<Bytes, ChunkError> {
    let csid = match frame.track {
        media::Track::Audio => CSID_AUDIO,
        media::Track::Video => CSID_VIDEO,
        media::Track::Data => CSID_DATA,
    };
    let header = MessageHeader {
        csid,
        // Truncation is the point: RTMP timestamps are the low 32 bits.
        timestamp: frame.dts as u32,
        type_id: frame.track.type_id(),
        stream_id,
    };
    encode_message(&header, &frame.data, chunk_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(timestamp: u32) -> MessageHeader {
        MessageHeader {
            csid: 6,
            timestamp,
            type_id: 9,
            stream_id: 1,
        }
    }

    #[test]
    fn a_small_message_is_one_fmt0_chunk() {
        let out = encode_message(&header(0x10203), b"abc", 128).unwrap();
        assert_eq!(
            &out[..],
            &[0x06, 0x01, 0x02, 0x03, 0, 0, 3, 9, 1, 0, 0, 0, b'a', b'b', b'c']
        );
    }

    #[test]
    fn continuation_chunks_are_fmt3() {
        let out = encode_message(&header(5), &[7u8; 10], 4).unwrap();
        assert_eq!(out.len(), 12 + 4 + 1 + 4 + 1 + 2);
        assert_eq!(out[16], 0xc6);
        assert_eq!(out[21], 0xc6);
    }

    #[test]
    fn extended_timestamps_repeat_on_continuation_chunks() {
        let out = encode_message(&header(0x0100_0000), &[7u8; 6], 4).unwrap();
        assert_eq!(&out[1..4], &[0xff, 0xff, 0xff]);
        assert_eq!(&out[12..16], &[1, 0, 0, 0]);
        assert_eq!(out[20], 0xc6);
        assert_eq!(&out[21..25], &[1, 0, 0, 0]);
        assert_eq!(out.len(), 16 + 4 + 5 + 2);
    }

    #[test]
    fn an_empty_message_still_has_its_header() {
        assert_eq!(encode_message(&header(0), &[], 128).unwrap().len(), 12);
    }

    #[test]
    fn invalid_csids_and_oversized_payloads_are_refused() {
        let mut h = header(0);
        h.csid = 1;
        assert!(encode_message(&h, b"x", 128).is_err());
        let big = vec![0u8; MAX_MESSAGE_LENGTH as usize + 1];
        assert!(encode_message(&header(0), &big, 128).is_err());
    }

    #[test]
    fn frames_use_their_track_csid() {
        let frame =
            Frame::parse(media::Track::Audio, -1, Bytes::from_static(&[0xaf, 1, 9])).unwrap();
        let out = encode_frame(&frame, 1, 4096).unwrap();
        assert_eq!(out[0], CSID_AUDIO as u8);
        assert_eq!(&out[1..4], &[0xff, 0xff, 0xff]);
        assert_eq!(&out[12..16], &[0xff, 0xff, 0xff, 0xff]);
    }
}
