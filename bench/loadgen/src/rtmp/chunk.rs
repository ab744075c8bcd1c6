//! RTMP chunk stream reader (fmt 0-3, extended timestamps, Set Chunk Size)
//! and a writer for the few messages a player sends.
//!
//! Audio and video payloads are not assembled: the reader keeps their first
//! two bytes and their length, and skips the rest in place. Other messages
//! (commands, control) are small and are collected whole.

use crate::flv::TagInfo;

const MAX_CONTROL_MESSAGE: u32 = 256 * 1024;
const MAX_CHUNK_STREAMS: usize = 64;

pub const TYPE_SET_CHUNK_SIZE: u8 = 1;
pub const TYPE_ACK: u8 = 3;
pub const TYPE_USER_CONTROL: u8 = 4;
pub const TYPE_WINDOW_ACK: u8 = 5;
pub const TYPE_AUDIO: u8 = 8;
pub const TYPE_VIDEO: u8 = 9;
pub const TYPE_AMF3_COMMAND: u8 = 17;
pub const TYPE_AMF0_COMMAND: u8 = 20;

#[derive(Debug)]
pub enum Output {
    Media(TagInfo),
    Message { type_id: u8, body: Vec<u8> },
}

#[derive(Debug, Default)]
struct ChunkStream {
    csid: u32,
    ts: u32,
    ts_field: u32,
    len: u32,
    type_id: u8,
    ext: bool,
    got: u32,
    peek: [u8; 2],
    peek_len: usize,
    body: Vec<u8>,
}

#[derive(Debug)]
pub struct ChunkReader {
    chunk_size: u32,
    streams: Vec<ChunkStream>,
    pending: [u8; 18],
    pending_len: usize,
    /// Index into `streams` and bytes left in the current chunk.
    in_chunk: Option<(usize, u32)>,
}

impl Default for ChunkReader {
    fn default() -> Self {
        ChunkReader::new()
    }
}

struct Header {
    fmt: u8,
    csid: u32,
    ts_field: u32,
    len: u32,
    type_id: u8,
    ext: bool,
}

impl ChunkReader {
    pub fn new() -> ChunkReader {
        ChunkReader {
            chunk_size: 128,
            streams: Vec::new(),
            pending: [0; 18],
            pending_len: 0,
            in_chunk: None,
        }
    }

    /// Consume all of `data`; completed messages go to `out`.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Vec<Output>) -> Result<(), String> {
        while !data.is_empty() {
            let used = match self.in_chunk {
                Some((idx, left)) => self.payload(idx, left, data, out)?,
                None => self.header(data, out)?,
            };
            data = &data[used..];
        }
        Ok(())
    }

    fn header(&mut self, data: &[u8], out: &mut Vec<Output>) -> Result<usize, String> {
        let old = self.pending_len;
        let n = (self.pending.len() - old).min(data.len());
        self.pending[old..old + n].copy_from_slice(&data[..n]);
        let avail = old + n;
        let Some((h, size)) = self.parse_header(&self.pending[..avail])? else {
            self.pending_len = avail;
            return Ok(n);
        };
        self.pending_len = 0;
        self.begin_chunk(h, out)?;
        Ok(size - old)
    }

    fn parse_header(&self, b: &[u8]) -> Result<Option<(Header, usize)>, String> {
        let Some(&b0) = b.first() else { return Ok(None) };
        let fmt = b0 >> 6;
        let (csid, mut pos) = match b0 & 0x3f {
            0 if b.len() >= 2 => (64 + u32::from(b[1]), 2),
            1 if b.len() >= 3 => (64 + u32::from(b[1]) + 256 * u32::from(b[2]), 3),
            0 | 1 => return Ok(None),
            id => (u32::from(id), 1),
        };
        let msg_len = [11, 7, 3, 0][usize::from(fmt)];
        if b.len() < pos + msg_len {
            return Ok(None);
        }
        let prev = self.streams.iter().find(|s| s.csid == csid);
        let m = &b[pos..pos + msg_len];
        let u24 = |i: usize| u32::from_be_bytes([0, m[i], m[i + 1], m[i + 2]]);
        let mut h = Header {
            fmt,
            csid,
            ts_field: prev.map_or(0, |p| p.ts_field),
            len: prev.map_or(0, |p| p.len),
            type_id: prev.map_or(0, |p| p.type_id),
            ext: prev.is_some_and(|p| p.ext),
        };
        if fmt < 3 {
            h.ts_field = u24(0);
            h.ext = h.ts_field == 0xff_ffff;
        }
        if fmt < 2 {
            h.len = u24(3);
            h.type_id = m[6];
        }
        if fmt == 3 && prev.is_none() {
            return Err(format!("fmt 3 chunk on new chunk stream {csid}"));
        }
        pos += msg_len;
        if h.ext {
            let Some(e) = b.get(pos..pos + 4) else { return Ok(None) };
            if fmt < 3 {
                h.ts_field = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
            }
            pos += 4;
        }
        Ok(Some((h, pos)))
    }

    fn begin_chunk(&mut self, h: Header, out: &mut Vec<Output>) -> Result<(), String> {
        let idx = match self.streams.iter().position(|s| s.csid == h.csid) {
            Some(i) => i,
            None if self.streams.len() < MAX_CHUNK_STREAMS => {
                self.streams.push(ChunkStream { csid: h.csid, ..ChunkStream::default() });
                self.streams.len() - 1
            }
            None => return Err("too many chunk streams".into()),
        };
        let cs = &mut self.streams[idx];
        let starts_message = h.fmt < 3 || cs.got == 0;
        if h.fmt < 3 && cs.got != 0 {
            return Err(format!("new message header inside a message on chunk stream {}", h.csid));
        }
        cs.ts_field = h.ts_field;
        cs.ext = h.ext;
        cs.len = h.len;
        cs.type_id = h.type_id;
        if starts_message {
            // fmt 0 carries an absolute time; 1, 2 and a message-starting 3
            // add their delta to the previous message's time (as ffmpeg does).
            cs.ts = if h.fmt == 0 { h.ts_field } else { cs.ts.wrapping_add(h.ts_field) };
            cs.peek_len = 0;
            cs.body.clear();
            let media = matches!(cs.type_id, TYPE_AUDIO | TYPE_VIDEO);
            if !media && cs.len > MAX_CONTROL_MESSAGE {
                return Err(format!("message of {} bytes (type {})", cs.len, cs.type_id));
            }
        }
        if cs.len == 0 {
            self.complete(idx, out)?;
            return Ok(());
        }
        let left = (cs.len - cs.got).min(self.chunk_size);
        self.in_chunk = Some((idx, left));
        Ok(())
    }

    fn payload(&mut self, idx: usize, left: u32, data: &[u8], out: &mut Vec<Output>) -> Result<usize, String> {
        let n = (left as usize).min(data.len());
        let cs = &mut self.streams[idx];
        if matches!(cs.type_id, TYPE_AUDIO | TYPE_VIDEO) {
            let take = (2 - cs.peek_len).min(n);
            cs.peek[cs.peek_len..cs.peek_len + take].copy_from_slice(&data[..take]);
            cs.peek_len += take;
        } else {
            cs.body.extend_from_slice(&data[..n]);
        }
        cs.got += n as u32;
        let left = left - n as u32;
        if left > 0 {
            self.in_chunk = Some((idx, left));
            return Ok(n);
        }
        self.in_chunk = None;
        if cs.got == cs.len {
            self.complete(idx, out)?;
        }
        Ok(n)
    }

    fn complete(&mut self, idx: usize, out: &mut Vec<Output>) -> Result<(), String> {
        let cs = &mut self.streams[idx];
        cs.got = 0;
        match cs.type_id {
            TYPE_AUDIO | TYPE_VIDEO => {
                let b0 = (cs.peek_len > 0).then_some(cs.peek[0]);
                let b1 = (cs.peek_len > 1).then_some(cs.peek[1]);
                let info = TagInfo::from_payload(cs.type_id, i64::from(cs.ts), cs.len as usize, b0, b1);
                out.push(Output::Media(info));
            }
            TYPE_SET_CHUNK_SIZE => {
                let b = &cs.body;
                if b.len() < 4 {
                    return Err("short Set Chunk Size".into());
                }
                let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) & 0x7fff_ffff;
                if !(1..=0xff_ffff).contains(&size) {
                    return Err(format!("chunk size {size}"));
                }
                self.chunk_size = size;
            }
            type_id => out.push(Output::Message {
                type_id,
                body: std::mem::take(&mut cs.body),
            }),
        }
        Ok(())
    }
}

/// Encode one message (fmt 0 then fmt 3 chunks of 128 bytes, csid < 64).
pub fn encode(out: &mut Vec<u8>, csid: u8, type_id: u8, msid: u32, payload: &[u8]) {
    const CHUNK: usize = 128;
    out.push(csid & 0x3f);
    out.extend_from_slice(&[0, 0, 0]);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.push(type_id);
    out.extend_from_slice(&msid.to_le_bytes());
    for (i, piece) in payload.chunks(CHUNK).enumerate() {
        if i > 0 {
            out.push(0xc0 | (csid & 0x3f));
        }
        out.extend_from_slice(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(out: &[Output]) -> Vec<(u8, i64, bool, usize)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Media(t) => Some((t.kind as u8, t.ts_ms, t.keyframe, t.size)),
                Output::Message { .. } => None,
            })
            .collect()
    }

    #[test]
    fn messages_survive_any_split_and_chunk_size_changes() {
        let mut wire = Vec::new();
        // Set Chunk Size 200 on csid 2.
        encode(&mut wire, 2, TYPE_SET_CHUNK_SIZE, 0, &200u32.to_be_bytes());
        // A 300-byte keyframe at ts 1000 on csid 6, chunked at 200 by hand.
        let body: Vec<u8> = [0x17, 1].iter().copied().chain(std::iter::repeat(7).take(298)).collect();
        wire.extend_from_slice(&[0x06, 0, 0x03, 0xe8, 0, 0x01, 0x2c, 9, 1, 0, 0, 0]);
        wire.extend_from_slice(&body[..200]);
        wire.push(0xc6);
        wire.extend_from_slice(&body[200..]);
        // Next frame: fmt 1, delta 33, 3 bytes.
        wire.extend_from_slice(&[0x46, 0, 0, 33, 0, 0, 3, 9]);
        wire.extend_from_slice(&[0x27, 1, 0]);
        // Extended timestamp, fmt 0, then a fmt 3 continuation carrying it too.
        let big = 0x0100_0000u32;
        wire.extend_from_slice(&[0x06, 0xff, 0xff, 0xff, 0, 0x01, 0x2c, 9, 1, 0, 0, 0]);
        wire.extend_from_slice(&big.to_be_bytes());
        wire.extend_from_slice(&body[..200]);
        wire.push(0xc6);
        wire.extend_from_slice(&big.to_be_bytes());
        wire.extend_from_slice(&body[200..]);
        for step in [1, 2, 5, 17, 128, wire.len()] {
            let mut r = ChunkReader::new();
            let mut out = Vec::new();
            for piece in wire.chunks(step) {
                r.feed(piece, &mut out).unwrap();
            }
            assert_eq!(
                media(&out),
                vec![(1, 1000, true, 300), (1, 1033, false, 3), (1, 0x0100_0000, true, 300)],
                "step {step}"
            );
        }
    }

    #[test]
    fn commands_are_collected_whole() {
        let payload: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        let mut wire = Vec::new();
        encode(&mut wire, 3, TYPE_AMF0_COMMAND, 0, &payload);
        let mut r = ChunkReader::new();
        let mut out = Vec::new();
        r.feed(&wire, &mut out).unwrap();
        match &out[..] {
            [Output::Message { type_id, body }] => {
                assert_eq!(*type_id, TYPE_AMF0_COMMAND);
                assert_eq!(body, &payload);
            }
            other => panic!("{other:?}"),
        }
    }
}
