use std::sync::OnceLock;

use bytes::Bytes;
use media::Frame;

/// A frame plus its serialised forms, each built at most once and then
/// shared by every viewer of the stream.
#[derive(Debug)]
pub struct Packet {
    pub frame: Frame,
    flv: OnceLock<Bytes>,
    rtmp: OnceLock<Bytes>,
}

impl Packet {
    pub fn new(frame: Frame) -> Packet {
        Packet {
            frame,
            flv: OnceLock::new(),
            rtmp: OnceLock::new(),
        }
    }

    /// The FLV tag (header, body, previous-tag-size) of this frame.
    pub fn flv_tag(&self) -> &Bytes {
        self.flv
            .get_or_init(|| flv::encode_tag(self.frame.track, self.frame.dts, &self.frame.data))
    }

    /// The RTMP chunks of this frame in the server's shared play encoding.
    /// Every caller must pass the same encoder: the first one wins.
    pub fn rtmp_chunks(&self, encode: impl FnOnce(&Frame) -> Bytes) -> &Bytes {
        self.rtmp.get_or_init(|| encode(&self.frame))
    }

    /// Bytes of coded data this packet carries.
    pub fn len(&self) -> usize {
        self.frame.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frame.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use media::Track;

    use super::*;

    #[test]
    fn rtmp_chunks_are_encoded_once() {
        let frame = Frame::parse(Track::Audio, 0, Bytes::from_static(&[0xaf, 1, 9])).unwrap();
        let packet = Packet::new(frame);
        let calls = Cell::new(0);
        for _ in 0..3 {
            packet.rtmp_chunks(|f| {
                calls.set(calls.get() + 1);
                f.data.clone()
            });
        }
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn flv_tag_wraps_the_body() {
        let frame = Frame::parse(Track::Audio, 5, Bytes::from_static(&[0xaf, 1, 9])).unwrap();
        let tag = Packet::new(frame).flv_tag().clone();
        assert_eq!(tag[0], 8);
        assert_eq!(tag.len(), 11 + 3 + 4);
    }
}
