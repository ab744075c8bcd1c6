//! Who may connect: an address allow-list (CIDRs) and a limiter that slows
//! down repeated authentication failures from one address. Both are pure:
//! the transport asks before it accepts a connection, with `now`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use thiserror::Error;

/// A CIDR that did not parse.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{input:?} is not an address or CIDR (like 10.0.0.0/8 or fd00::/8)")]
pub struct CidrError {
    pub input: String,
}

/// One network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `addr` lies in this network (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(a)) => prefix_eq(
                u128::from(net.to_bits()),
                u128::from(a.to_bits()),
                32,
                self.prefix,
            ),
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                prefix_eq(net.to_bits(), a.to_bits(), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn prefix_eq(net: u128, addr: u128, width: u8, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let shift = u32::from(width - prefix);
    (net >> shift) == (addr >> shift)
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(input: &str) -> Result<Self, CidrError> {
        let err = || CidrError {
            input: input.to_owned(),
        };
        let (addr, prefix) = match input.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (input, None),
        };
        let addr = IpAddr::from_str(addr.trim())
            .map_err(|_| err())?
            .to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse::<u8>().map_err(|_| err())?,
            None => width,
        };
        if prefix > width {
            return Err(err());
        }
        Ok(Self { addr, prefix })
    }
}

/// The `allow` list. Empty means every address may connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    nets: Vec<Cidr>,
}

impl AllowList {
    /// Parses every entry; the first bad one is the error.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, CidrError> {
        let nets = entries
            .iter()
            .map(|e| e.as_ref().parse())
            .collect::<Result<_, _>>()?;
        Ok(Self { nets })
    }

    pub fn allows(&self, addr: IpAddr) -> bool {
        self.nets.is_empty() || self.nets.iter().any(|n| n.contains(addr))
    }
}

/// Slows down repeated failures from one address: after `free` failures
/// each further one blocks the address for `base`, doubling up to `max`.
/// A success forgets the address; idle entries are pruned.
#[derive(Debug)]
pub struct FailureLimiter {
    free: u32,
    base: Duration,
    max: Duration,
    entries: HashMap<IpAddr, Failures>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    blocked_until: Instant,
    last: Instant,
}

impl Default for FailureLimiter {
    fn default() -> Self {
        Self::new(3, Duration::from_secs(1), Duration::from_secs(300))
    }
}

impl FailureLimiter {
    pub fn new(free: u32, base: Duration, max: Duration) -> Self {
        Self {
            free,
            base,
            max,
            entries: HashMap::new(),
        }
    }

    /// `Err(wait)` when `addr` must wait before trying again.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        match self.entries.get(&addr.to_canonical()) {
            Some(f) if now < f.blocked_until => Err(f.blocked_until - now),
            _ => Ok(()),
        }
    }

    pub fn record_failure(&mut self, addr: IpAddr, now: Instant) {
        let entry = self.entries.entry(addr.to_canonical()).or_insert(Failures {
            count: 0,
            blocked_until: now,
            last: now,
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        if let Some(over) = entry.count.checked_sub(self.free).filter(|o| *o > 0) {
            let factor = 1u32.checked_shl(over - 1).unwrap_or(u32::MAX);
            let delay = self.base.saturating_mul(factor).min(self.max);
            entry.blocked_until = now + delay;
        }
    }

    pub fn record_success(&mut self, addr: IpAddr) {
        self.entries.remove(&addr.to_canonical());
    }

    /// Forgets addresses that have not failed for twice the longest delay.
    pub fn prune(&mut self, now: Instant) {
        let keep = self.max * 2;
        self.entries
            .retain(|_, f| now.saturating_duration_since(f.last) < keep);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn allow_list_matches_networks_of_both_families() {
        let list = AllowList::parse(&["10.0.0.0/8", "192.168.1.7", "fd00::/8"]).unwrap();
        assert!(list.allows(ip("10.200.3.4")));
        assert!(list.allows(ip("::ffff:10.1.1.1")));
        assert!(list.allows(ip("192.168.1.7")));
        assert!(!list.allows(ip("192.168.1.8")));
        assert!(list.allows(ip("fd12::1")));
        assert!(!list.allows(ip("fe80::1")));
        assert!(!list.allows(ip("11.0.0.1")));
    }

    #[test]
    fn an_empty_allow_list_allows_everyone_and_zero_prefix_matches_all() {
        assert!(AllowList::default().allows(ip("203.0.113.9")));
        let all = AllowList::parse(&["0.0.0.0/0"]).unwrap();
        assert!(all.allows(ip("203.0.113.9")));
        assert!(!all.allows(ip("2001:db8::1")));
    }

    #[test]
    fn bad_cidrs_are_refused_with_the_entry() {
        for bad in ["10.0.0.0/33", "::/129", "ten", "10.0.0.0/x", ""] {
            assert_eq!(
                AllowList::parse(&[bad]),
                Err(CidrError {
                    input: bad.to_owned()
                })
            );
        }
    }

    #[test]
    fn repeated_failures_block_an_address_for_doubling_delays() {
        let mut limiter = FailureLimiter::new(2, Duration::from_secs(1), Duration::from_secs(4));
        let t0 = Instant::now();
        let a = ip("127.0.0.9");
        limiter.record_failure(a, t0);
        limiter.record_failure(a, t0);
        assert_eq!(limiter.check(a, t0), Ok(()));
        let waits: Vec<_> = (0..4)
            .map(|_| {
                limiter.record_failure(a, t0);
                limiter.check(a, t0).unwrap_err()
            })
            .collect();
        let secs = |s| Duration::from_secs(s);
        assert_eq!(waits, vec![secs(1), secs(2), secs(4), secs(4)]);
        assert_eq!(limiter.check(a, t0 + secs(4)), Ok(()));
        assert_eq!(limiter.check(ip("127.0.0.10"), t0), Ok(()));
    }

    #[test]
    fn a_success_or_a_long_silence_forgets_the_failures() {
        let mut limiter = FailureLimiter::new(0, Duration::from_secs(1), Duration::from_secs(8));
        let t0 = Instant::now();
        let a = ip("127.0.0.9");
        limiter.record_failure(a, t0);
        assert!(limiter.check(a, t0).is_err());
        limiter.record_success(a);
        assert_eq!(limiter.check(a, t0), Ok(()));
        limiter.record_failure(a, t0);
        limiter.prune(t0 + Duration::from_secs(16));
        limiter.record_failure(a, t0 + Duration::from_secs(16));
        let wait = limiter.check(a, t0 + Duration::from_secs(16)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
    }
}
