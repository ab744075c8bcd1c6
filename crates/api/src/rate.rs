//! A token bucket per client address, for the routes that cost a password
//! hash (login, register).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Forget buckets idle for this long (they would be full again anyway).
const FORGET_AFTER_MS: i64 = 10 * 60 * 1000;
/// Most addresses tracked; past that, idle ones are swept first.
const MAX_TRACKED: usize = 100_000;

#[derive(Debug)]
pub(crate) struct RateLimiter {
    burst: u32,
    refill_every_ms: i64,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u32,
    updated_ms: i64,
}

impl RateLimiter {
    pub(crate) fn new(burst: u32, refill_every_ms: i64) -> RateLimiter {
        RateLimiter {
            burst,
            refill_every_ms: refill_every_ms.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `addr` at `now_ms`; `Err(ms)` says how long to wait.
    pub(crate) fn take(&self, addr: Option<IpAddr>, now_ms: i64) -> Result<(), i64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| now_ms - b.updated_ms < FORGET_AFTER_MS);
        }
        let bucket = buckets.entry(addr).or_insert(Bucket {
            tokens: self.burst,
            updated_ms: now_ms,
        });
        let earned = (now_ms - bucket.updated_ms).max(0) / self.refill_every_ms;
        if earned > 0 {
            let earned = u32::try_from(earned).unwrap_or(u32::MAX);
            bucket.tokens = bucket.tokens.saturating_add(earned).min(self.burst);
            bucket.updated_ms += i64::from(earned) * self.refill_every_ms;
        }
        if bucket.tokens == 0 {
            return Err(bucket.updated_ms + self.refill_every_ms - now_ms);
        }
        if bucket.tokens == self.burst {
            bucket.updated_ms = now_ms;
        }
        bucket.tokens -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_token_per_period() {
        let limiter = RateLimiter::new(3, 1000);
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(limiter.take(ip, 0).is_ok());
        }
        assert_eq!(limiter.take(ip, 400), Err(600));
        assert!(limiter.take(ip, 1000).is_ok());
        assert!(limiter.take(ip, 1001).is_err());
        assert!(limiter
            .take(Some(IpAddr::from([127, 0, 0, 2])), 1001)
            .is_ok());
    }
}
