//! Figures this node reports about the cluster for `/metrics`.
//!
//! A [`Figure`] is shown only once its producer has [`Figure::wire`]d it, so
//! a figure nobody measures yet is absent rather than a reassuring zero.
//! Redis errors are counted where every Redis failure of this crate turns
//! into a [`crate::ClusterError`], so they are always measured.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Redis calls of this process that failed (connection refused, timeout,
/// reply error), counted as each becomes a `ClusterError`.
static REDIS_ERRORS: AtomicU64 = AtomicU64::new(0);

pub(crate) fn count_redis_error() {
    REDIS_ERRORS.fetch_add(1, Ordering::Relaxed);
}

/// One counter or gauge, and whether anything feeds it.
#[derive(Debug, Default)]
pub struct Figure {
    value: AtomicU64,
    wired: AtomicBool,
}

impl Figure {
    /// Says that a producer feeds this figure from now on.
    pub fn wire(&self) {
        self.wired.store(true, Ordering::Relaxed);
    }

    /// Adds `n` (a counter).
    pub fn add(&self, n: u64) {
        self.value.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the value (a gauge).
    pub fn set(&self, value: u64) {
        self.value.store(value, Ordering::Relaxed);
    }

    /// The value, or `None` while nothing feeds it.
    pub fn read(&self) -> Option<u64> {
        self.wired
            .load(Ordering::Relaxed)
            .then(|| self.value.load(Ordering::Relaxed))
    }
}

/// Where the cluster's moving parts report what they do. Held by
/// [`crate::Cluster`]; the relay, the command forwarder and the bus reader
/// wire and feed their own figure.
#[derive(Debug, Default)]
pub struct ClusterMetrics {
    /// Pulls of other replicas' streams into local hubs started (counter).
    pub pulls_in: Figure,
    /// Pulls of local streams by other replicas served (counter).
    pub pulls_out: Figure,
    /// Member commands forwarded to another replica's room writer (counter).
    pub forwarded_commands: Figure,
    /// How far the bus reader is behind the newest event it read, in ms (gauge).
    pub bus_lag_ms: Figure,
}

impl ClusterMetrics {
    /// Failed Redis calls in this process since it started.
    pub fn redis_errors(&self) -> u64 {
        REDIS_ERRORS.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_unmeasured_until_wired_then_reports_its_value() {
        let figure = Figure::default();
        figure.add(3);
        assert_eq!(figure.read(), None);
        figure.wire();
        assert_eq!(figure.read(), Some(3));
        figure.set(7);
        assert_eq!(figure.read(), Some(7));
    }

    #[test]
    fn a_redis_failure_turned_into_a_cluster_error_is_counted() {
        let before = ClusterMetrics::default().redis_errors();
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let _error = crate::ClusterError::from(redis::RedisError::from(io));
        assert!(ClusterMetrics::default().redis_errors() > before);
    }
}
