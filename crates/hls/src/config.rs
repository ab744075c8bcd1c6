use std::time::Duration;

/// How segments are cut and how many are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HlsConfig {
    /// A segment is cut at the first video keyframe (or, without video,
    /// the first audio frame) at least this long after its start. Default 2 s.
    pub target_duration: Duration,
    /// Segments kept in memory and listed in the playlist. Default 6, at least 1.
    pub window: usize,
    /// A step forward in a track's timestamps longer than this (or back by
    /// more than [`BACKWARD_TOLERANCE_MS`]) is a timeline jump: the segment
    /// is cut and the next one starts with a discontinuity. Default 10 s;
    /// values under 1 s count as 1 s.
    pub jump_threshold: Duration,
    /// A segment that grows past this many bytes (no keyframe in sight) is
    /// closed; frames are then dropped until the next keyframe. Default 32 MiB.
    pub max_segment_bytes: usize,
}

/// The smallest jump threshold: frame intervals are never jumps.
const MIN_JUMP_MS: i64 = 1000;

/// How far a track's timestamps may step back before it counts as a jump.
pub const BACKWARD_TOLERANCE_MS: i64 = 1000;

impl Default for HlsConfig {
    fn default() -> HlsConfig {
        HlsConfig {
            target_duration: Duration::from_secs(2),
            window: 6,
            jump_threshold: Duration::from_secs(10),
            max_segment_bytes: 32 * 1024 * 1024,
        }
    }
}

impl HlsConfig {
    pub(crate) fn target_ms(&self) -> i64 {
        duration_ms(self.target_duration)
    }

    pub(crate) fn jump_ms(&self) -> i64 {
        duration_ms(self.jump_threshold).max(MIN_JUMP_MS)
    }
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
