//! placeholder (temporary encode_tag so dependants build; to be replaced by the real crate)
use bytes::Bytes;
pub fn encode_tag(track: media::Track, timestamp: i64, body: &[u8]) -> Bytes {
    let ts = timestamp as u32;
    let len = body.len() as u32;
    let mut out = Vec::with_capacity(15 + body.len());
    out.push(track.type_id());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.extend_from_slice(&ts.to_be_bytes()[1..]);
    out.push((ts >> 24) as u8);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(body);
    out.extend_from_slice(&(len + 11).to_be_bytes());
    out.into()
}
