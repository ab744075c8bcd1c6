use std::collections::VecDeque;
use std::sync::Arc;

use media::{FrameKind, Track};

use crate::Packet;

/// What a new viewer needs to start at once: metadata, the sequence headers
/// and the frames since the last video keyframe, capped in bytes.
///
/// For an audio-only stream it keeps the most recent audio frames instead,
/// up to the same cap.
#[derive(Debug)]
pub struct GopCache {
    max_bytes: usize,
    metadata: Option<Arc<Packet>>,
    video_config: Option<Arc<Packet>>,
    audio_config: Option<Arc<Packet>>,
    frames: VecDeque<Arc<Packet>>,
    bytes: usize,
}

impl GopCache {
    pub fn new(max_bytes: usize) -> GopCache {
        GopCache {
            max_bytes,
            metadata: None,
            video_config: None,
            audio_config: None,
            frames: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Whether the stream has announced video.
    pub fn has_video(&self) -> bool {
        self.video_config.is_some()
    }

    /// Bytes of coded frames held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn handle_packet(&mut self, packet: &Arc<Packet>) {
        let frame = &packet.frame;
        match (frame.track, frame.kind) {
            (Track::Data, _) => self.metadata = Some(packet.clone()),
            (Track::Video, FrameKind::Config) => {
                self.video_config = Some(packet.clone());
                self.clear_frames();
            }
            (Track::Audio, FrameKind::Config) => self.audio_config = Some(packet.clone()),
            (Track::Video, FrameKind::Coded) if frame.keyframe => {
                self.clear_frames();
                self.push(packet);
            }
            (_, FrameKind::Coded) => self.handle_coded(packet),
            _ => {}
        }
    }

    /// Forgets the coded frames (a new publisher took over): a viewer then
    /// starts on the new publisher's first keyframe.
    pub fn clear_frames(&mut self) {
        self.frames.clear();
        self.bytes = 0;
    }

    /// Metadata, sequence headers, then the cached frames, in that order.
    pub fn snapshot(&self) -> Vec<Arc<Packet>> {
        let headers = [&self.metadata, &self.video_config, &self.audio_config];
        let mut out = Vec::with_capacity(3 + self.frames.len());
        out.extend(headers.into_iter().flatten().cloned());
        out.extend(self.frames.iter().cloned());
        out
    }

    fn handle_coded(&mut self, packet: &Arc<Packet>) {
        if !self.has_video() {
            self.push(packet);
            while self.bytes > self.max_bytes {
                self.pop_front();
            }
            return;
        }
        // Frames that do not follow a cached keyframe are useless to a new viewer.
        if self.frames.is_empty() {
            return;
        }
        self.push(packet);
        if self.bytes > self.max_bytes {
            self.clear_frames();
        }
    }

    fn push(&mut self, packet: &Arc<Packet>) {
        self.bytes += packet.len();
        self.frames.push_back(packet.clone());
    }

    fn pop_front(&mut self) {
        if let Some(p) = self.frames.pop_front() {
            self.bytes -= p.len();
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use bytes::Bytes;
    use media::Frame;

    use super::*;

    pub(crate) fn video(dts: i64, key: bool, len: usize) -> Arc<Packet> {
        let mut body = vec![if key { 0x17 } else { 0x27 }, 1, 0, 0, 0];
        body.resize(5 + len, 0);
        packet(Track::Video, dts, body)
    }

    pub(crate) fn audio(dts: i64) -> Arc<Packet> {
        packet(Track::Audio, dts, vec![0xaf, 1, 0x21])
    }

    pub(crate) fn config(track: Track) -> Arc<Packet> {
        let body = match track {
            Track::Video => vec![0x17, 0, 0, 0, 0, 1],
            _ => vec![0xaf, 0, 0x11, 0x90],
        };
        packet(track, 0, body)
    }

    fn packet(track: Track, dts: i64, body: Vec<u8>) -> Arc<Packet> {
        Arc::new(Packet::new(
            Frame::parse(track, dts, Bytes::from(body)).unwrap(),
        ))
    }

    fn dts_of(cache: &GopCache) -> Vec<i64> {
        cache.snapshot().iter().map(|p| p.frame.dts).collect()
    }

    #[test]
    fn a_new_viewer_starts_with_headers_then_the_last_keyframe() {
        let mut cache = GopCache::new(1 << 20);
        cache.handle_packet(&config(Track::Video));
        cache.handle_packet(&config(Track::Audio));
        cache.handle_packet(&video(10, false, 10));
        cache.handle_packet(&video(40, true, 10));
        cache.handle_packet(&audio(50));
        cache.handle_packet(&video(80, false, 10));
        cache.handle_packet(&video(120, true, 10));
        cache.handle_packet(&audio(130));
        let snap = cache.snapshot();
        assert!(snap[0].frame.is_config() && snap[1].frame.is_config());
        assert_eq!(dts_of(&cache)[2..], [120, 130]);
    }

    #[test]
    fn a_gop_over_the_cap_is_dropped_until_the_next_keyframe() {
        let mut cache = GopCache::new(100);
        cache.handle_packet(&config(Track::Video));
        cache.handle_packet(&video(0, true, 60));
        cache.handle_packet(&video(40, false, 60));
        assert_eq!(cache.bytes(), 0);
        cache.handle_packet(&video(80, false, 10));
        assert_eq!(dts_of(&cache).len(), 1);
        cache.handle_packet(&video(120, true, 10));
        assert_eq!(dts_of(&cache)[1..], [120]);
    }

    #[test]
    fn audio_only_streams_keep_a_bounded_tail() {
        let mut cache = GopCache::new(3 * 3);
        for i in 0..10 {
            cache.handle_packet(&audio(i * 20));
        }
        assert_eq!(dts_of(&cache), [140, 160, 180]);
    }
}
