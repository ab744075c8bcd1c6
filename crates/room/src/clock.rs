//! The playback clock: one position every member follows.
//!
//! The clock is `{item, playing, position at server time t, rate}`. While
//! playing, the position at `now` is `position + (now − t) × rate`, capped at
//! the item's duration when known. Every change rebases the clock (the
//! position is computed at the change's time and `t` becomes that time), so
//! a clock sent at any moment is exact for its own `at_ms`.

use crate::error::RoomError;
use crate::id::ItemId;

/// A playback rate in thousandths (1000 is normal speed), kept as an
/// integer so that every replica computes the same positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(u32);

impl Rate {
    /// Normal speed.
    pub const NORMAL: Self = Self(1000);
    /// The slowest rate accepted (0.25×).
    pub const MIN: Self = Self(250);
    /// The fastest rate accepted (4×).
    pub const MAX: Self = Self(4000);

    /// A rate in thousandths, within [`Rate::MIN`]..=[`Rate::MAX`].
    pub fn from_milli(milli: u32) -> Result<Self, RoomError> {
        if !(Self::MIN.0..=Self::MAX.0).contains(&milli) {
            return Err(RoomError::InvalidRate { milli });
        }
        Ok(Self(milli))
    }

    /// A rate as clients send it (1.5 for 1.5×), rounded to thousandths.
    pub fn from_f64(rate: f64) -> Result<Self, RoomError> {
        let milli = (rate * 1000.0).round();
        if !milli.is_finite() || milli < 0.0 || milli > f64::from(u32::MAX) {
            return Err(RoomError::InvalidRate { milli: 0 });
        }
        // In range of u32 and integral, checked above.
        Self::from_milli(milli as u32)
    }

    /// The rate in thousandths.
    pub fn milli(self) -> u32 {
        self.0
    }

    /// The rate as a factor (1.5 for 1.5×).
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }

    /// Media time covered in `elapsed_ms` of wall time.
    fn scale(self, elapsed_ms: u64) -> u64 {
        let media = u128::from(elapsed_ms) * u128::from(self.0) / 1000;
        u64::try_from(media).unwrap_or(u64::MAX)
    }

    /// Wall time needed to cover `media_ms` of media time (rounded up).
    fn unscale(self, media_ms: u64) -> u64 {
        let wall = (u128::from(media_ms) * 1000).div_ceil(u128::from(self.0.max(1)));
        u64::try_from(wall).unwrap_or(u64::MAX)
    }
}

impl Default for Rate {
    fn default() -> Self {
        Self::NORMAL
    }
}

/// The playback state of the room, exact at `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaybackClock {
    /// The current item, if any.
    pub item: Option<ItemId>,
    /// Whether the position advances.
    pub playing: bool,
    /// The position at `at_ms`, in milliseconds of media time.
    pub position_ms: u64,
    /// The server time (ms since the Unix epoch) the position is for.
    pub at_ms: i64,
    /// How fast the position advances while playing.
    pub rate: Rate,
}

impl PlaybackClock {
    /// No item, paused at zero, normal rate.
    pub fn idle(now_ms: i64) -> Self {
        Self {
            item: None,
            playing: false,
            position_ms: 0,
            at_ms: now_ms,
            rate: Rate::NORMAL,
        }
    }

    /// The position at `now_ms`, capped at `duration_ms` when known. A
    /// clock read before its own time (a clock that went back) has not
    /// advanced.
    pub fn position_at(&self, now_ms: i64, duration_ms: Option<u64>) -> u64 {
        let mut position = self.position_ms;
        if self.playing {
            let elapsed = now_ms.saturating_sub(self.at_ms).max(0).unsigned_abs();
            position = position.saturating_add(self.rate.scale(elapsed));
        }
        match duration_ms {
            Some(duration) => position.min(duration),
            None => position,
        }
    }

    /// The same clock, expressed at `now_ms`.
    pub fn rebased(&self, now_ms: i64, duration_ms: Option<u64>) -> Self {
        Self {
            position_ms: self.position_at(now_ms, duration_ms),
            at_ms: now_ms,
            ..*self
        }
    }

    /// When a playing item of known duration reaches its end.
    pub fn ends_at(&self, duration_ms: Option<u64>) -> Option<i64> {
        let duration = duration_ms?;
        if !self.playing || self.item.is_none() {
            return None;
        }
        let wall = self.rate.unscale(duration.saturating_sub(self.position_ms));
        let wall = i64::try_from(wall).unwrap_or(i64::MAX);
        Some(self.at_ms.saturating_add(wall))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playing(position_ms: u64, at_ms: i64, rate: u32) -> PlaybackClock {
        PlaybackClock {
            item: Some(ItemId(1)),
            playing: true,
            position_ms,
            at_ms,
            rate: Rate::from_milli(rate).unwrap(),
        }
    }

    #[test]
    fn a_playing_clock_advances_by_elapsed_times_rate() {
        let clock = playing(10_000, 1_000, 1500);
        assert_eq!(clock.position_at(1_000, None), 10_000);
        assert_eq!(clock.position_at(3_000, None), 13_000);
    }

    #[test]
    fn a_paused_clock_stands_still() {
        let clock = PlaybackClock {
            playing: false,
            ..playing(5_000, 0, 1000)
        };
        assert_eq!(clock.position_at(60_000, None), 5_000);
    }

    #[test]
    fn the_position_stops_at_the_duration() {
        let clock = playing(9_000, 0, 1000);
        assert_eq!(clock.position_at(5_000, Some(10_000)), 10_000);
        assert_eq!(clock.ends_at(Some(10_000)), Some(1_000));
    }

    #[test]
    fn a_clock_read_before_its_time_has_not_moved() {
        let clock = playing(5_000, 10_000, 1000);
        assert_eq!(clock.position_at(9_000, None), 5_000);
    }

    #[test]
    fn the_end_accounts_for_the_rate() {
        let clock = playing(0, 0, 2000);
        assert_eq!(clock.ends_at(Some(10_000)), Some(5_000));
        let slow = playing(0, 0, 3000);
        assert_eq!(slow.ends_at(Some(10)), Some(4), "rounded up");
    }

    #[test]
    fn rates_are_bounded() {
        assert!(Rate::from_f64(0.25).is_ok());
        assert!(Rate::from_f64(4.0).is_ok());
        assert_eq!(Rate::from_f64(1.5).unwrap().milli(), 1500);
        for bad in [0.2, 4.5, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Rate::from_f64(bad).unwrap_err().code(), "invalid_rate");
        }
    }

    #[test]
    fn extreme_times_saturate() {
        let clock = playing(u64::MAX - 1, i64::MIN, 4000);
        assert_eq!(clock.position_at(i64::MAX, None), u64::MAX);
        assert_eq!(clock.ends_at(Some(u64::MAX)), Some(i64::MIN + 1));
    }
}
