use std::collections::HashMap;

use bytes::{Buf, Bytes, BytesMut};

use super::header::{read_basic, read_u24, read_u32};
use super::{MessageHeader, EXTENDED_TIMESTAMP, INITIAL_CHUNK_SIZE};
use crate::error::ChunkError;

/// Bounds on what a peer may make the decoder hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderLimits {
    /// Largest Set Chunk Size accepted from the peer.
    pub max_chunk_size: u32,
    /// Largest message accepted.
    pub max_message_size: u32,
    /// Most chunk stream ids in use at once.
    pub max_chunk_streams: usize,
}

impl Default for DecoderLimits {
    fn default() -> DecoderLimits {
        DecoderLimits {
            max_chunk_size: 16 * 1024 * 1024,
            max_message_size: 8 * 1024 * 1024,
            max_chunk_streams: 64,
        }
    }
}

/// One whole message out of the chunk stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    pub header: MessageHeader,
    pub payload: Bytes,
}

/// Whether the peer repeats an extended timestamp on fmt 3 chunks.
///
/// Most encoders (librtmp, ffmpeg) do; the specification's wording says
/// not. It is decided on the first fmt 3 chunk that follows an extended
/// timestamp: if the next four bytes equal the last extended value, the peer
/// repeats them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Unknown,
    Yes,
    No,
}

/// What is remembered per chunk stream id.
#[derive(Debug, Default)]
struct ChunkStream {
    timestamp: u32,
    delta: u32,
    length: u32,
    type_id: u8,
    stream_id: u32,
    /// The extended timestamp value of the last header that had one.
    extended: Option<u32>,
    partial: BytesMut,
    in_progress: bool,
}

/// One parsed chunk header, not yet applied.
#[derive(Debug)]
struct Head {
    fmt: u8,
    csid: u32,
    len: usize,
    /// Timestamp or delta field (fmt 0..=2), extended value resolved.
    time: u32,
    extended: bool,
    length: u32,
    type_id: u8,
    stream_id: u32,
    payload_len: usize,
}

/// Reassembles messages from chunks.
#[derive(Debug)]
pub struct ChunkDecoder {
    chunk_size: u32,
    limits: DecoderLimits,
    streams: HashMap<u32, ChunkStream>,
    repeat: Repeat,
}

impl ChunkDecoder {
    /// A decoder at the initial chunk size of 128.
    pub fn new(limits: DecoderLimits) -> ChunkDecoder {
        ChunkDecoder {
            chunk_size: INITIAL_CHUNK_SIZE,
            limits,
            streams: HashMap::new(),
            repeat: Repeat::Unknown,
        }
    }

    /// The peer's current chunk size.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// Applies the peer's Set Chunk Size.
    pub fn set_chunk_size(&mut self, size: u32) -> Result<(), ChunkError> {
        if size == 0 || size > self.limits.max_chunk_size {
            return Err(ChunkError::ChunkSizeOutOfRange {
                size,
                max: self.limits.max_chunk_size,
            });
        }
        self.chunk_size = size;
        Ok(())
    }

    /// Drops the partly received message on `csid` (Abort message).
    pub fn abort(&mut self, csid: u32) {
        if let Some(stream) = self.streams.get_mut(&csid) {
            stream.partial.clear();
            stream.in_progress = false;
        }
    }

    /// Bytes held in partly received messages.
    pub fn buffered(&self) -> usize {
        self.streams.values().map(|s| s.partial.len()).sum()
    }

    /// Reads chunks from the front of `buf` until a message is complete.
    /// `Ok(None)` means more bytes are needed; whole chunks already read
    /// are consumed, a partial chunk is left in `buf`.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<RawMessage>, ChunkError> {
        loop {
            let Some(head) = self.parse_head(buf)? else {
                return Ok(None);
            };
            if let Some(message) = self.apply(head, buf) {
                return Ok(Some(message));
            }
        }
    }

    /// Parses the chunk at the front of `buf` without consuming it; `None`
    /// unless the whole chunk (header and payload) is there.
    fn parse_head(&mut self, buf: &[u8]) -> Result<Option<Head>, ChunkError> {
        let Some(basic) = read_basic(buf) else {
            return Ok(None);
        };
        let fields = match basic.fmt {
            0 => 11,
            1 => 7,
            2 => 3,
            _ => 0,
        };
        let mut len = basic.len + fields;
        let Some(header) = buf.get(basic.len..len) else {
            return Ok(None);
        };
        self.check_stream(basic.csid, basic.fmt)?;
        let previous = self.streams.get(&basic.csid);
        let mut head = Head {
            fmt: basic.fmt,
            csid: basic.csid,
            len,
            time: 0,
            extended: false,
            length: previous.map_or(0, |s| s.length),
            type_id: previous.map_or(0, |s| s.type_id),
            stream_id: previous.map_or(0, |s| s.stream_id),
            payload_len: 0,
        };
        if basic.fmt <= 2 {
            head.time = read_u24(header);
        }
        if basic.fmt <= 1 {
            head.length = read_u24(&header[3..]);
            head.type_id = header[6];
        }
        if basic.fmt == 0 {
            head.stream_id = u32::from_le_bytes([header[7], header[8], header[9], header[10]]);
        }
        if head.length > self.limits.max_message_size {
            return Err(ChunkError::MessageTooLarge {
                length: head.length,
                max: self.limits.max_message_size,
            });
        }
        if basic.fmt <= 2 && head.time == EXTENDED_TIMESTAMP {
            let Some(ext) = buf.get(len..len + 4) else {
                return Ok(None);
            };
            head.time = read_u32(ext);
            head.extended = true;
            len += 4;
        } else if basic.fmt == 3 {
            let Some(skip) = self.repeated_extended(basic.csid, &buf[len..]) else {
                return Ok(None);
            };
            len += skip;
        }
        head.len = len;
        head.payload_len = self.payload_len(&head);
        if buf.len() < len + head.payload_len {
            return Ok(None);
        }
        Ok(Some(head))
    }

    /// Rejects compressed headers on unknown csids and too many csids.
    fn check_stream(&self, csid: u32, fmt: u8) -> Result<(), ChunkError> {
        if self.streams.contains_key(&csid) {
            return Ok(());
        }
        if fmt != 0 {
            return Err(ChunkError::NoPreviousHeader { csid, fmt });
        }
        if self.streams.len() >= self.limits.max_chunk_streams {
            return Err(ChunkError::TooManyChunkStreams {
                max: self.limits.max_chunk_streams,
            });
        }
        Ok(())
    }

    /// How many bytes of repeated extended timestamp follow a fmt 3 basic
    /// header on `csid` (0 or 4); `None` if that cannot be told yet.
    fn repeated_extended(&mut self, csid: u32, rest: &[u8]) -> Option<usize> {
        let Some(expected) = self.streams.get(&csid).and_then(|s| s.extended) else {
            return Some(0);
        };
        match self.repeat {
            Repeat::No => Some(0),
            Repeat::Yes => (rest.len() >= 4).then_some(4),
            Repeat::Unknown => {
                let next = rest.get(..4)?;
                if read_u32(next) == expected {
                    self.repeat = Repeat::Yes;
                    Some(4)
                } else {
                    self.repeat = Repeat::No;
                    Some(0)
                }
            }
        }
    }

    fn payload_len(&self, head: &Head) -> usize {
        let received = match self.streams.get(&head.csid) {
            Some(s) if s.in_progress && head.fmt == 3 => s.partial.len(),
            _ => 0,
        };
        let remaining = (head.length as usize).saturating_sub(received);
        remaining.min(self.chunk_size as usize)
    }

    /// Consumes the chunk described by `head`; returns the message it completes.
    fn apply(&mut self, head: Head, buf: &mut BytesMut) -> Option<RawMessage> {
        buf.advance(head.len);
        let stream = self.streams.entry(head.csid).or_default();
        if head.fmt <= 2 && stream.in_progress {
            tracing::debug!(
                csid = head.csid,
                "new message header before the last one ended"
            );
            stream.partial.clear();
            stream.in_progress = false;
        }
        match head.fmt {
            0 => {
                stream.timestamp = head.time;
                stream.delta = head.time;
            }
            1 | 2 => {
                stream.delta = head.time;
                stream.timestamp = stream.timestamp.wrapping_add(head.time);
            }
            _ if !stream.in_progress => {
                stream.timestamp = stream.timestamp.wrapping_add(stream.delta)
            }
            _ => {}
        }
        if head.fmt <= 2 {
            stream.extended = head.extended.then_some(head.time);
            stream.length = head.length;
            stream.type_id = head.type_id;
            stream.stream_id = head.stream_id;
        }
        let chunk = buf.split_to(head.payload_len);
        if !stream.in_progress && chunk.len() == stream.length as usize {
            return Some(stream.message(chunk.freeze(), head.csid));
        }
        if !stream.in_progress {
            stream
                .partial
                .reserve((stream.length as usize).min(64 * 1024));
        }
        stream.partial.extend_from_slice(&chunk);
        stream.in_progress = true;
        if stream.partial.len() < stream.length as usize {
            return None;
        }
        stream.in_progress = false;
        let payload = stream.partial.split().freeze();
        Some(stream.message(payload, head.csid))
    }
}

impl ChunkStream {
    fn message(&self, payload: Bytes, csid: u32) -> RawMessage {
        RawMessage {
            header: MessageHeader {
                csid,
                timestamp: self.timestamp,
                type_id: self.type_id,
                stream_id: self.stream_id,
            },
            payload,
        }
    }
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
