//! Streaming FLV tag scanner. It keeps the 11-byte tag header and the first
//! two body bytes, which is all a viewer needs to know (type, timestamp,
//! keyframe, sequence header); the rest of each tag is skipped, never copied.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    Audio,
    Video,
    Script,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagInfo {
    pub kind: TagKind,
    pub ts_ms: i64,
    pub size: usize,
    /// A coded video keyframe (not a sequence header).
    pub keyframe: bool,
    /// AVC/HEVC/AAC configuration, no media time of its own.
    pub seq_header: bool,
}

impl TagInfo {
    /// Classify an RTMP/FLV media payload from its first two bytes.
    pub fn from_payload(type_id: u8, ts_ms: i64, size: usize, b0: Option<u8>, b1: Option<u8>) -> TagInfo {
        let mut info = TagInfo {
            kind: match type_id {
                8 => TagKind::Audio,
                9 => TagKind::Video,
                18 => TagKind::Script,
                _ => TagKind::Other,
            },
            ts_ms,
            size,
            keyframe: false,
            seq_header: false,
        };
        match (info.kind, b0) {
            (TagKind::Video, Some(b0)) => (info.keyframe, info.seq_header) = classify_video(b0, b1),
            // AAC (sound format 10) with packet type 0 is the AudioSpecificConfig.
            (TagKind::Audio, Some(b0)) => info.seq_header = b0 >> 4 == 10 && b1 == Some(0),
            _ => {}
        }
        info
    }

    pub fn is_media_frame(&self) -> bool {
        matches!(self.kind, TagKind::Audio | TagKind::Video) && !self.seq_header && self.size > 0
    }
}

/// (keyframe, sequence header) of a video payload.
fn classify_video(b0: u8, b1: Option<u8>) -> (bool, bool) {
    if b0 & 0x80 != 0 {
        // Enhanced RTMP: IsExHeader | FrameType(3) | PacketType(4).
        let frame_type = (b0 >> 4) & 0x07;
        let packet_type = b0 & 0x0f;
        let seq = packet_type == 0 || packet_type == 5;
        let coded = packet_type == 1 || packet_type == 3;
        return (frame_type == 1 && coded, seq);
    }
    let frame_type = b0 >> 4;
    let codec = b0 & 0x0f;
    if matches!(codec, 7 | 12 | 13) {
        // AVC, legacy HEVC and AV1 ids carry an AVCPacketType byte.
        return (frame_type == 1 && b1 == Some(1), b1 == Some(0));
    }
    (frame_type == 1, false)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    FileHeader,
    TagHeader,
    Body,
    Skip,
}

#[derive(Debug)]
pub struct FlvScanner {
    state: State,
    head: [u8; 11],
    have: usize,
    peek: [u8; 2],
    peek_len: usize,
    remaining: usize,
    current: (u8, i64, usize),
}

impl Default for FlvScanner {
    fn default() -> Self {
        FlvScanner::new()
    }
}

impl FlvScanner {
    pub fn new() -> FlvScanner {
        FlvScanner {
            state: State::FileHeader,
            head: [0; 11],
            have: 0,
            peek: [0; 2],
            peek_len: 0,
            remaining: 0,
            current: (0, 0, 0),
        }
    }

    /// Feed body bytes; `on_tag` runs for every tag completed by them.
    pub fn feed(&mut self, mut data: &[u8], mut on_tag: impl FnMut(TagInfo)) -> Result<(), String> {
        while !data.is_empty() {
            let used = match self.state {
                State::FileHeader => self.file_header(data)?,
                State::TagHeader => self.tag_header(data),
                State::Body => self.body(data, &mut on_tag),
                State::Skip => {
                    let n = self.remaining.min(data.len());
                    self.remaining -= n;
                    if self.remaining == 0 {
                        self.state = State::TagHeader;
                    }
                    n
                }
            };
            data = &data[used..];
        }
        Ok(())
    }

    fn fill(&mut self, data: &[u8], want: usize) -> usize {
        let n = (want - self.have).min(data.len());
        self.head[self.have..self.have + n].copy_from_slice(&data[..n]);
        self.have += n;
        n
    }

    fn file_header(&mut self, data: &[u8]) -> Result<usize, String> {
        let n = self.fill(data, 9);
        if self.have < 9 {
            return Ok(n);
        }
        if &self.head[..3] != b"FLV" {
            return Err(format!("not FLV: {:02x?}", &self.head[..3]));
        }
        let offset = u32::from_be_bytes([self.head[5], self.head[6], self.head[7], self.head[8]]) as usize;
        // Whatever the header claims beyond 9 bytes, then PreviousTagSize0.
        self.remaining = offset.saturating_sub(9) + 4;
        self.have = 0;
        self.state = State::Skip;
        Ok(n)
    }

    fn tag_header(&mut self, data: &[u8]) -> usize {
        let n = self.fill(data, 11);
        if self.have < 11 {
            return n;
        }
        let h = &self.head;
        let type_id = h[0] & 0x1f;
        let size = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        let ts = u32::from_be_bytes([h[7], h[4], h[5], h[6]]);
        self.current = (type_id, i64::from(ts), size);
        self.have = 0;
        self.peek_len = 0;
        self.remaining = size;
        self.state = State::Body;
        n
    }

    fn body(&mut self, data: &[u8], on_tag: &mut impl FnMut(TagInfo)) -> usize {
        let n = self.remaining.min(data.len());
        let take = (2 - self.peek_len).min(n);
        self.peek[self.peek_len..self.peek_len + take].copy_from_slice(&data[..take]);
        self.peek_len += take;
        self.remaining -= n;
        if self.remaining == 0 {
            let (type_id, ts, size) = self.current;
            let b0 = (self.peek_len > 0).then_some(self.peek[0]);
            let b1 = (self.peek_len > 1).then_some(self.peek[1]);
            on_tag(TagInfo::from_payload(type_id, ts, size, b0, b1));
            self.remaining = 4;
            self.state = State::Skip;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(type_id: u8, ts: u32, body: &[u8]) -> Vec<u8> {
        let mut t = vec![type_id];
        t.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        t.extend_from_slice(&ts.to_be_bytes()[1..]);
        t.push((ts >> 24) as u8);
        t.extend_from_slice(&[0, 0, 0]);
        t.extend_from_slice(body);
        t.extend_from_slice(&((body.len() + 11) as u32).to_be_bytes());
        t
    }

    fn stream() -> Vec<u8> {
        let mut s = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00".to_vec();
        s.extend(tag(9, 0, &[0x17, 0, 0, 0, 0, 1, 2]));
        s.extend(tag(8, 0, &[0xaf, 0, 0x12, 0x10]));
        s.extend(tag(9, 40, &[0x17, 1, 0, 0, 0, 9, 9, 9]));
        s.extend(tag(9, 0x0100_0010, &[0x27, 1, 0, 0, 0]));
        s.extend(tag(9, 80, &[0x90 | 1, b'h', b'v', b'c', b'1']));
        s
    }

    #[test]
    fn tags_are_found_whatever_the_read_boundaries() {
        let s = stream();
        for step in [1, 2, 3, 7, 11, 64, s.len()] {
            let mut scanner = FlvScanner::new();
            let mut tags = Vec::new();
            for piece in s.chunks(step) {
                scanner.feed(piece, |t| tags.push(t)).unwrap();
            }
            let summary: Vec<_> = tags.iter().map(|t| (t.kind, t.ts_ms, t.keyframe, t.seq_header)).collect();
            assert_eq!(
                summary,
                vec![
                    (TagKind::Video, 0, false, true),
                    (TagKind::Audio, 0, false, true),
                    (TagKind::Video, 40, true, false),
                    (TagKind::Video, 0x0100_0010, false, false),
                    (TagKind::Video, 80, true, false),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn non_flv_bytes_are_refused() {
        assert!(FlvScanner::new().feed(b"HTTP/1.1 200", |_| {}).is_err());
    }
}
