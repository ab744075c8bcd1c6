use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::stream::Joined;
use crate::{Batch, LagPolicy, LagVerdict};

/// Why a subscription ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionEnd {
    /// The publisher left.
    StreamEnded,
    /// The viewer kept falling behind and was cut off.
    TooSlow,
}

/// One viewer's view of a stream: the GOP cache first, then every batch,
/// minus what the slow-viewer policy skips.
#[derive(Debug)]
pub struct Subscription {
    name: String,
    first: Option<Batch>,
    ring: broadcast::Receiver<Batch>,
    policy: LagPolicy,
    _viewer: ViewerGuard,
}

impl Subscription {
    pub(crate) fn new(
        name: String,
        joined: Joined,
        viewer: ViewerGuard,
        policy: LagPolicy,
    ) -> Subscription {
        Subscription {
            name,
            first: Some(joined.snapshot.into()),
            ring: joined.ring,
            policy,
            _viewer: viewer,
        }
    }

    pub fn stream(&self) -> &str {
        &self.name
    }

    /// The next batch to send, waiting for one if needed.
    pub async fn next(&mut self) -> Result<Batch, SubscriptionEnd> {
        if let Some(first) = self.first.take().filter(|b| !b.is_empty()) {
            return Ok(first);
        }
        loop {
            let received = self.ring.recv().await;
            if let Some(result) = self.handle(received) {
                return result;
            }
        }
    }

    /// The next batch if one is ready now: lets a viewer that woke late
    /// write several batches in one go.
    pub fn try_next(&mut self) -> Option<Result<Batch, SubscriptionEnd>> {
        loop {
            let received = match self.ring.try_recv() {
                Ok(batch) => Ok(batch),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
                Err(TryRecvError::Closed) => Err(RecvError::Closed),
            };
            if let Some(result) = self.handle(received) {
                return Some(result);
            }
        }
    }

    /// `None` means: nothing for this viewer, read again.
    fn handle(
        &mut self,
        received: Result<Batch, RecvError>,
    ) -> Option<Result<Batch, SubscriptionEnd>> {
        match received {
            Ok(batch) => {
                let batch = self.policy.filter(batch);
                (!batch.is_empty()).then_some(Ok(batch))
            }
            Err(RecvError::Lagged(missed)) => match self.policy.handle_lag(Instant::now()) {
                LagVerdict::SkipToKeyframe => {
                    tracing::debug!(stream = %self.name, missed, "viewer lagged; skipping to the next keyframe");
                    None
                }
                LagVerdict::Disconnect => Some(Err(SubscriptionEnd::TooSlow)),
            },
            Err(RecvError::Closed) => Some(Err(SubscriptionEnd::StreamEnded)),
        }
    }
}

/// Counts a viewer in its stream for as long as it lives.
#[derive(Debug)]
pub(crate) struct ViewerGuard(Arc<AtomicUsize>);

impl ViewerGuard {
    pub(crate) fn new(count: Arc<AtomicUsize>) -> ViewerGuard {
        count.fetch_add(1, Ordering::Relaxed);
        ViewerGuard(count)
    }
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
