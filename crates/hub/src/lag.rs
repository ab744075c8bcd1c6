use std::collections::VecDeque;
use std::time::{Duration, Instant};

use media::FrameKind;

use crate::{Batch, Packet};

/// What to do with a viewer that fell behind the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagVerdict {
    /// Drop media until the next keyframe, then carry on.
    SkipToKeyframe,
    /// It keeps falling behind: cut it off.
    Disconnect,
}

/// The slow-viewer policy of one viewer.
///
/// A lag (the ring overwrote batches the viewer had not read) makes the
/// viewer skip to the next video keyframe, so what it gets next decodes.
/// More than `max_lags` lags within `window` means the viewer cannot keep up
/// at all, and it is disconnected.
#[derive(Debug)]
pub struct LagPolicy {
    max_lags: usize,
    window: Duration,
    lags: VecDeque<Instant>,
    skipping: bool,
}

impl LagPolicy {
    pub fn new(max_lags: usize, window: Duration) -> LagPolicy {
        LagPolicy {
            max_lags,
            window,
            lags: VecDeque::new(),
            skipping: false,
        }
    }

    pub fn handle_lag(&mut self, now: Instant) -> LagVerdict {
        while let Some(&first) = self.lags.front() {
            if now.duration_since(first) <= self.window {
                break;
            }
            self.lags.pop_front();
        }
        self.lags.push_back(now);
        if self.lags.len() > self.max_lags {
            return LagVerdict::Disconnect;
        }
        self.skipping = true;
        LagVerdict::SkipToKeyframe
    }

    /// Whether media is being dropped until the next keyframe.
    pub fn is_skipping(&self) -> bool {
        self.skipping
    }

    /// The part of `batch` this viewer should get.
    pub fn filter(&mut self, batch: Batch) -> Batch {
        if !self.skipping {
            return batch;
        }
        let mut kept: Vec<std::sync::Arc<Packet>> = Vec::with_capacity(batch.len());
        for packet in batch.iter() {
            if packet.frame.is_video_keyframe() {
                self.skipping = false;
            }
            if !self.skipping || Self::always_passes(packet) {
                kept.push(packet.clone());
            }
        }
        kept.into()
    }

    /// Headers keep the decoder right even while media is skipped.
    fn always_passes(packet: &Packet) -> bool {
        matches!(packet.frame.kind, FrameKind::Config | FrameKind::Script)
    }
}

#[cfg(test)]
mod tests {
    use media::Track;

    use super::*;
    use crate::gop::tests::{audio, config, video};

    #[test]
    fn a_lagging_viewer_resumes_at_the_next_keyframe() {
        let mut policy = LagPolicy::new(3, Duration::from_secs(60));
        assert_eq!(
            policy.handle_lag(Instant::now()),
            LagVerdict::SkipToKeyframe
        );
        let batch: Batch = vec![
            audio(0),
            video(10, false, 1),
            config(Track::Video),
            video(40, true, 1),
            audio(41),
        ]
        .into();
        let kept: Vec<i64> = policy.filter(batch).iter().map(|p| p.frame.dts).collect();
        assert_eq!(kept, [0, 40, 41]);
        let next: Batch = vec![video(80, false, 1)].into();
        assert_eq!(policy.filter(next).len(), 1);
    }

    #[test]
    fn a_viewer_that_keeps_lagging_is_disconnected() {
        let mut policy = LagPolicy::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(policy.handle_lag(t0), LagVerdict::SkipToKeyframe);
        assert_eq!(
            policy.handle_lag(t0 + Duration::from_secs(1)),
            LagVerdict::SkipToKeyframe
        );
        assert_eq!(
            policy.handle_lag(t0 + Duration::from_secs(2)),
            LagVerdict::Disconnect
        );
    }

    #[test]
    fn old_lags_are_forgiven() {
        let mut policy = LagPolicy::new(1, Duration::from_secs(10));
        let t0 = Instant::now();
        policy.handle_lag(t0);
        assert_eq!(
            policy.handle_lag(t0 + Duration::from_secs(11)),
            LagVerdict::SkipToKeyframe
        );
    }
}
