//! Viewers playing here, by protocol: HTTP-FLV and RTMP play (relays to
//! other replicas are not viewers and are not counted). Each viewer holds a
//! [`Counted`] from the moment it is subscribed until its connection ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Live counts of this node's viewers.
#[derive(Debug, Default)]
pub struct ViewerCounts {
    flv: Arc<AtomicU64>,
    rtmp: Arc<AtomicU64>,
}

/// One counted viewer; dropping it uncounts the viewer.
#[derive(Debug)]
pub(crate) struct Counted(Arc<AtomicU64>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ViewerCounts {
    /// HTTP-FLV viewers now.
    pub fn flv(&self) -> u64 {
        self.flv.load(Ordering::Relaxed)
    }

    /// RTMP players now.
    pub fn rtmp(&self) -> u64 {
        self.rtmp.load(Ordering::Relaxed)
    }

    pub(crate) fn count_flv(&self) -> Counted {
        count(&self.flv)
    }

    pub(crate) fn count_rtmp(&self) -> Counted {
        count(&self.rtmp)
    }
}

fn count(counter: &Arc<AtomicU64>) -> Counted {
    counter.fetch_add(1, Ordering::Relaxed);
    Counted(counter.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_viewer_counts_under_its_protocol_until_it_is_dropped() {
        let counts = ViewerCounts::default();
        let flv = counts.count_flv();
        let rtmp = [counts.count_rtmp(), counts.count_rtmp()];
        assert_eq!((counts.flv(), counts.rtmp()), (1, 2));
        drop(flv);
        drop(rtmp);
        assert_eq!((counts.flv(), counts.rtmp()), (0, 0));
    }
}
