//! When a node's record can expire at the earliest, as this process knows
//! it. A claim succeeds as soon as the holder's `node:{id}` record is gone,
//! so a lease is only as safe as the record of the node holding it: the
//! registry notes here every announce that reached the store, and a lease
//! keeper gives up before the moment its node's record can have expired.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The earliest expiry of each node record this process announced.
#[derive(Debug, Default)]
pub struct NodeExpiry {
    records: Mutex<HashMap<String, Instant>>,
}

impl NodeExpiry {
    /// Knows nothing yet: keepers then go by their leases alone.
    pub fn new() -> Self {
        Self::default()
    }

    /// `id`'s record was written with `ttl` by a call sent at `sent_at` that
    /// succeeded: the store set the TTL after `sent_at`, so the record lives
    /// at least until `sent_at + ttl`.
    pub fn handle_announced(&self, id: &str, sent_at: Instant, ttl: Duration) {
        self.lock().insert(id.to_owned(), sent_at + ttl);
    }

    /// `id`'s record was deleted at `at` (a node leaving): it is gone now.
    pub fn handle_withdrawn(&self, id: &str, at: Instant) {
        self.lock().insert(id.to_owned(), at);
    }

    /// The earliest moment `id`'s record can be gone; `None` when this
    /// process never announced `id`.
    pub fn expiry(&self, id: &str) -> Option<Instant> {
        self.lock().get(id).copied()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // Each critical section is one map operation: nothing half-done to see.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announce_sets_the_expiry_from_when_it_was_sent_and_a_withdraw_ends_it() {
        let expiry = NodeExpiry::new();
        let t = Instant::now();
        assert_eq!(expiry.expiry("a"), None);
        expiry.handle_announced("a", t, Duration::from_secs(15));
        assert_eq!(expiry.expiry("a"), Some(t + Duration::from_secs(15)));
        let later = t + Duration::from_secs(5);
        expiry.handle_announced("a", later, Duration::from_secs(15));
        assert_eq!(expiry.expiry("a"), Some(later + Duration::from_secs(15)));
        expiry.handle_withdrawn("a", later);
        assert_eq!(expiry.expiry("a"), Some(later));
        assert_eq!(expiry.expiry("b"), None);
    }
}
