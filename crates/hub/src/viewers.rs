//! Counting a stream's viewers, and reporting the count when it changes.
//!
//! Every viewer's guard counts it in and out and nudges the stream actor
//! (a signal on a channel of one: nudges while one waits are merged). The
//! actor reports the count at once, or, if it reported less than
//! [`REPORT_EVERY`] ago, when that time is up: a crowd arriving makes one
//! event per period, not one per viewer, and the last change is always
//! reported.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// Shortest time between two viewer counts of one stream.
pub(crate) const REPORT_EVERY: Duration = Duration::from_millis(500);

/// A stream's viewer count, shared by its viewers, its actor and the hub.
#[derive(Debug)]
pub(crate) struct ViewerTally {
    count: AtomicUsize,
    changed: mpsc::Sender<()>,
}

impl ViewerTally {
    /// A tally, and the report its actor keeps.
    pub(crate) fn new() -> (Arc<ViewerTally>, ViewerReport) {
        let (changed, changes) = mpsc::channel(1);
        let tally = Arc::new(ViewerTally {
            count: AtomicUsize::new(0),
            changed,
        });
        let report = ViewerReport {
            tally: tally.clone(),
            changes,
            reported: 0,
            last: None,
            due: None,
            timer: None,
        };
        (tally, report)
    }

    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    fn nudge(&self) {
        // Full means a nudge already waits: the actor reads the count then.
        let _ = self.changed.try_send(());
    }
}

/// Counts a viewer in its stream for as long as it lives.
#[derive(Debug)]
pub(crate) struct ViewerGuard(Arc<ViewerTally>);

impl ViewerGuard {
    pub(crate) fn new(tally: Arc<ViewerTally>) -> ViewerGuard {
        tally.count.fetch_add(1, Ordering::Relaxed);
        tally.nudge();
        ViewerGuard(tally)
    }
}

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::Relaxed);
        self.0.nudge();
    }
}

/// The actor's side: when to report the count, and what it last reported.
pub(crate) struct ViewerReport {
    tally: Arc<ViewerTally>,
    changes: mpsc::Receiver<()>,
    reported: usize,
    /// When the count was last reported.
    last: Option<Instant>,
    /// A change waits to be reported at this time.
    due: Option<Instant>,
    /// Armed while a report is due; made on the actor's runtime at the
    /// first, then kept to spare a timer per report.
    timer: Option<Pin<Box<Sleep>>>,
}

impl ViewerReport {
    /// Waits for a change, or for a due report: the count to report, if
    /// it differs from the last one. Cancel-safe.
    pub(crate) async fn next(&mut self) -> Option<usize> {
        if let (Some(_), Some(timer)) = (self.due, self.timer.as_mut()) {
            timer.as_mut().await;
            return self.take();
        }
        match self.changes.recv().await {
            Some(()) => self.handle_change(Instant::now()),
            // The hub forgot the stream and every viewer left.
            None => std::future::pending().await,
        }
    }

    /// What [`next`](Self::next) would give now, without waiting.
    pub(crate) fn poll_now(&mut self) -> Option<usize> {
        if let Some(due) = self.due {
            let now = Instant::now();
            return if due <= now { self.take() } else { None };
        }
        match self.changes.try_recv() {
            Ok(()) => self.handle_change(Instant::now()),
            Err(_) => None,
        }
    }

    fn handle_change(&mut self, now: Instant) -> Option<usize> {
        let due = self.last.map_or(now, |last| last + REPORT_EVERY);
        if due <= now {
            return self.take();
        }
        self.due = Some(due);
        match self.timer.as_mut() {
            Some(timer) => timer.as_mut().reset(due),
            None => self.timer = Some(Box::pin(tokio::time::sleep_until(due))),
        }
        None
    }

    /// The count, if it changed since the last report.
    fn take(&mut self) -> Option<usize> {
        self.due = None;
        let count = self.tally.count();
        if count == self.reported {
            return None;
        }
        self.reported = count;
        self.last = Some(Instant::now());
        Some(count)
    }
}
