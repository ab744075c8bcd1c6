//! Arbitrary bytes into the FLV demuxer, whole and split in two at a point
//! chosen by the first byte: it must never panic, and the split must not
//! change which tags come out or which kind of error ends the stream (an
//! error's detail, such as the bytes of a wrong signature, may differ).
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;

type Outcome = Result<(u8, u32, usize), std::mem::Discriminant<flv::FlvError>>;

fn demux(parts: &[&[u8]]) -> Vec<Outcome> {
    let mut demuxer = flv::Demuxer::new().with_max_tag_size(1 << 20);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for part in parts {
        buf.extend_from_slice(part);
        loop {
            match demuxer.decode_tag(&mut buf) {
                Ok(Some(tag)) => out.push(Ok((tag.track.type_id(), tag.timestamp, tag.body.len()))),
                Ok(None) => break,
                Err(err) => {
                    out.push(Err(std::mem::discriminant(&err)));
                    return out;
                }
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let at = usize::from(first).min(rest.len());
    let whole = demux(&[rest]);
    let split = demux(&[&rest[..at], &rest[at..]]);
    assert_eq!(whole, split);
    let mut demuxer = flv::Demuxer::new();
    let mut buf = BytesMut::from(rest);
    while let Ok(Some(_)) | Err(flv::FlvError::Media(_)) = demuxer.decode_frame(&mut buf) {}
});
