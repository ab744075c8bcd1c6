//! Per-member rate limits, driven by the caller's clock.

use crate::error::RoomError;

/// A rate: bursts of up to `burst` commands, then one per `every_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// How many commands may arrive back to back.
    pub burst: u32,
    /// The sustained pace: one command per this many milliseconds.
    pub every_ms: u32,
}

/// A token bucket kept as one instant (the generic cell rate algorithm):
/// the time at which the bucket will be full again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenBucket {
    full_at_ms: i64,
}

impl TokenBucket {
    pub(crate) fn new() -> Self {
        Self {
            full_at_ms: i64::MIN,
        }
    }

    /// Takes one token at `now_ms`, or says how long to wait for one.
    pub(crate) fn take(&mut self, limit: RateLimit, now_ms: i64) -> Result<(), RoomError> {
        let every = i64::from(limit.every_ms);
        let tolerance = every.saturating_mul(i64::from(limit.burst.saturating_sub(1)));
        let start = self.full_at_ms.max(now_ms);
        let wait = start.saturating_sub(now_ms).saturating_sub(tolerance);
        if wait > 0 {
            return Err(RoomError::RateLimited {
                retry_after_ms: wait.unsigned_abs(),
            });
        }
        self.full_at_ms = start.saturating_add(every);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: RateLimit = RateLimit {
        burst: 3,
        every_ms: 1000,
    };

    #[test]
    fn a_burst_passes_then_the_pace_holds() {
        let mut bucket = TokenBucket::new();
        for _ in 0..3 {
            bucket.take(LIMIT, 10_000).unwrap();
        }
        let err = bucket.take(LIMIT, 10_000).unwrap_err();
        assert_eq!(
            err,
            RoomError::RateLimited {
                retry_after_ms: 1000
            }
        );
        assert!(bucket.take(LIMIT, 10_999).is_err());
        bucket.take(LIMIT, 11_000).unwrap();
        assert!(bucket.take(LIMIT, 11_500).is_err());
    }

    #[test]
    fn an_idle_bucket_refills_to_the_burst_only() {
        let mut bucket = TokenBucket::new();
        bucket.take(LIMIT, 0).unwrap();
        for _ in 0..3 {
            bucket.take(LIMIT, 60_000).unwrap();
        }
        assert!(bucket.take(LIMIT, 60_000).is_err());
    }

    #[test]
    fn extreme_clocks_do_not_overflow() {
        let mut bucket = TokenBucket::new();
        bucket.take(LIMIT, i64::MAX).unwrap();
        let _ = bucket.take(LIMIT, i64::MIN);
        let _ = bucket.take(LIMIT, i64::MAX);
    }
}
