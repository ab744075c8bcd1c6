use std::sync::Arc;

use media::Track;

use crate::Packet;

/// Packets handed to viewers together: one wake-up and one vectored write.
pub type Batch = Arc<[Arc<Packet>]>;

/// Audio may wait for the next video frame, but never longer than this much
/// media time.
const MAX_SPAN_MS: i64 = 40;
const MAX_BYTES: usize = 256 * 1024;

/// Groups packets into batches so that viewers wake once per video frame.
///
/// A video frame, script data or a configuration closes the batch at once;
/// audio rides along with the next video frame. In a stream without video,
/// every packet is its own batch.
#[derive(Debug, Default)]
pub struct Batcher {
    pending: Vec<Arc<Packet>>,
    bytes: usize,
}

impl Batcher {
    pub fn new() -> Batcher {
        Batcher::default()
    }

    /// Adds `packet`; returns a batch when it is time to wake viewers.
    pub fn push(&mut self, packet: Arc<Packet>, stream_has_video: bool) -> Option<Batch> {
        let frame = &packet.frame;
        let closes = !stream_has_video
            || frame.track != Track::Audio
            || frame.is_config()
            || self.span_with(frame.dts) >= MAX_SPAN_MS;
        self.bytes += packet.len();
        self.pending.push(packet);
        if closes || self.bytes >= MAX_BYTES {
            return self.flush();
        }
        None
    }

    /// Whether no packet waits for the next batch.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The packets waiting for the next batch: never a video frame, script
    /// data or a configuration, which close a batch at once.
    pub fn pending(&self) -> &[Arc<Packet>] {
        &self.pending
    }

    /// Whatever is pending, as a batch.
    pub fn flush(&mut self) -> Option<Batch> {
        if self.pending.is_empty() {
            return None;
        }
        self.bytes = 0;
        Some(std::mem::take(&mut self.pending).into())
    }

    fn span_with(&self, dts: i64) -> i64 {
        self.pending
            .first()
            .map_or(0, |first| dts.saturating_sub(first.frame.dts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gop::tests::{audio, video};

    #[test]
    fn audio_rides_with_the_next_video_frame() {
        let mut b = Batcher::new();
        assert!(b.push(audio(0), true).is_none());
        assert!(b.push(audio(21), true).is_none());
        let batch = b.push(video(30, false, 1), true).unwrap();
        assert_eq!(batch.len(), 3);
    }

    #[test]
    fn audio_never_waits_longer_than_the_span() {
        let mut b = Batcher::new();
        assert!(b.push(audio(0), true).is_none());
        assert!(b.push(audio(21), true).is_none());
        assert_eq!(b.push(audio(42), true).unwrap().len(), 3);
    }

    #[test]
    fn audio_only_streams_are_not_delayed() {
        let mut b = Batcher::new();
        assert_eq!(b.push(audio(0), false).unwrap().len(), 1);
    }
}
