//! Viewers the stream actor writes to itself.
//!
//! A viewer that has caught up hands its socket's writes to the actor
//! ([`Subscription::attach`](crate::Subscription::attach)). The actor then
//! writes it every batch on its sweeps over the attached viewers (see
//! [`DirectViewers`]): non-blocking writes, no task wake-up, no ring read.
//! When a write does not go through whole (the socket is full), fails, or
//! the viewer asks, the actor hands the writes back with whatever it could
//! not write and a ring position just after it; the viewer's task goes on
//! from there at its own pace, under the usual slow-viewer policy, and
//! attaches again once it has caught up.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{broadcast, oneshot};

use crate::Batch;

/// What became of a batch offered to a viewer's socket.
#[derive(Debug)]
pub enum Offer {
    /// The socket took all of it.
    Taken,
    /// The socket took part or none of it: these bytes are still to go.
    Full(Vec<Bytes>),
    /// The write failed: the viewer is gone.
    Failed(io::Error),
}

/// A viewer's socket, written to by the stream actor without waiting.
pub trait DirectSink: Send + 'static {
    /// Writes `batches`, in order, if the socket takes them now; never
    /// waits.
    fn offer(&mut self, batches: &[Batch]) -> Offer;
}

/// Why the actor handed a viewer's writes back.
#[derive(Debug)]
pub(crate) enum Handback {
    /// Write these bytes first, then read the ring from `ring` on.
    Resume {
        leftover: Vec<Bytes>,
        ring: broadcast::Receiver<Batch>,
        /// The ring overwrote batches before the actor could write them.
        lagged: bool,
    },
    /// A write failed.
    Failed(io::Error),
    /// The stream has as many attached viewers as it takes, or has ended:
    /// this one writes for itself, from `ring` on.
    Refused { ring: broadcast::Receiver<Batch> },
}

/// An attached viewer, as the actor holds it.
pub(crate) struct Attached {
    sink: Box<dyn DirectSink>,
    handback: oneshot::Sender<Handback>,
    detach: Arc<AtomicBool>,
    /// The number of the first batch not written to this viewer yet.
    next: u64,
}

/// What a viewer sends to attach.
pub(crate) struct AttachRequest {
    pub(crate) sink: Box<dyn DirectSink>,
    /// The viewer's ring position: the batches it has not written yet.
    pub(crate) ring: broadcast::Receiver<Batch>,
    pub(crate) handback: oneshot::Sender<Handback>,
    pub(crate) detach: Arc<AtomicBool>,
}

impl AttachRequest {
    /// Hands the viewer its writes back unattached, from its own ring
    /// position, for good: the actor ended (or is ending) before it took
    /// them. What the viewer has not read yet is still in the ring, and it
    /// reads on to the end itself instead of asking again (an ended
    /// stream's ring stays empty, so the viewer would look caught up
    /// forever).
    pub(crate) fn decline(self) {
        let _ = self.handback.send(Handback::Refused { ring: self.ring });
    }
}

/// Writes a stream actor makes before it lets other tasks run.
const WRITES_PER_TURN: usize = 128;

/// Writes between two offers of the core to other threads.
const WRITES_PER_CPU_YIELD: usize = 64;

/// The viewers a stream actor writes to, and the batches some of them
/// have not been written yet.
///
/// The actor sweeps over its viewers a turn at a time, and writes each
/// one every batch that came since its last visit. A batch that comes
/// during a sweep reaches the viewers still ahead in it, and the others in
/// the next one: however long a sweep takes, no viewer waits more than one
/// sweep for a batch, and a busy actor writes each viewer fewer, larger
/// writes.
pub(crate) struct DirectViewers {
    viewers: Vec<Attached>,
    /// `HubConfig::max_direct_viewers`.
    max_viewers: usize,
    /// Batches not every viewer has had; the first is number `base`.
    pending: Vec<Batch>,
    base: u64,
    /// `HubConfig::ring_batches`: a viewer further behind has lagged.
    max_pending: usize,
    /// The viewer the next turn starts at.
    cursor: usize,
}

/// What a visit did to a viewer.
enum Visit {
    /// It had every batch already.
    Nothing,
    Wrote,
    /// Its writes were handed back.
    Left,
}

impl DirectViewers {
    pub(crate) fn new(max_viewers: usize, max_pending: usize) -> DirectViewers {
        DirectViewers {
            viewers: Vec::new(),
            max_viewers,
            pending: Vec::new(),
            base: 0,
            max_pending: max_pending.max(1),
            cursor: 0,
        }
    }

    /// The number the next batch will have.
    fn head(&self) -> u64 {
        self.base + self.pending.len() as u64
    }

    /// Whether every viewer has been written every batch.
    pub(crate) fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }

    /// Whether the batches behind are half the ring: the actor then takes
    /// no more commands until this sweep is over, so that an actor short
    /// of time holds its publisher back instead of making viewers lag.
    pub(crate) fn is_backlogged(&self) -> bool {
        self.pending.len() >= self.max_pending.div_ceil(2)
    }

    /// Takes a batch just put in the ring; viewers get it on their next
    /// visit.
    pub(crate) fn push(&mut self, batch: Batch) {
        if self.viewers.is_empty() {
            return;
        }
        if self.pending.len() >= self.max_pending {
            self.pending.remove(0);
            self.base += 1;
        }
        self.pending.push(batch);
    }

    /// Writes what the viewer has not had yet, then keeps it attached if
    /// every write went through whole.
    pub(crate) fn attach(&mut self, request: AttachRequest) {
        let AttachRequest {
            sink,
            ring: mut position,
            handback,
            detach,
        } = request;
        if self.viewers.len() >= self.max_viewers {
            let _ = handback.send(Handback::Refused { ring: position });
            return;
        }
        // The ring's end is where the batches to come start.
        let mut viewer = Attached {
            sink,
            handback,
            detach,
            next: self.head(),
        };
        let mut missed = Vec::new();
        loop {
            match position.try_recv() {
                Ok(batch) => missed.push(batch),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Lagged(_)) => return viewer.resume(Vec::new(), position, true),
                Err(TryRecvError::Closed) => return,
            }
        }
        if missed.is_empty() {
            return self.viewers.push(viewer);
        }
        match viewer.write(&missed) {
            Verdict::Stay => self.viewers.push(viewer),
            Verdict::Resume(leftover) => viewer.resume(leftover, position, false),
            Verdict::Failed(e) => viewer.send(Handback::Failed(e)),
        }
    }

    /// Visits viewers from where the last turn stopped, writing to at
    /// most [`WRITES_PER_TURN`] of them, or until every viewer has every
    /// batch. The actor lets other tasks run between turns, so that a
    /// large audience does not hold up connections being set up.
    pub(crate) fn turn(&mut self, ring: &broadcast::Sender<Batch>) {
        let mut writes = 0;
        while writes < WRITES_PER_TURN {
            if self.cursor >= self.viewers.len() {
                self.end_sweep();
                if self.is_idle() {
                    return;
                }
            }
            match self.visit(self.cursor, ring) {
                Visit::Nothing => {
                    self.cursor += 1;
                    continue;
                }
                Visit::Wrote => self.cursor += 1,
                // Order does not matter: each viewer knows what it had.
                Visit::Left => {
                    self.viewers.swap_remove(self.cursor);
                }
            }
            writes += 1;
            if writes % WRITES_PER_CPU_YIELD == 0 {
                // Another thread waiting for this core (the connections'
                // runtime, with a handshake step to answer) runs now, not
                // when the kernel's time slice ends.
                std::thread::yield_now();
            }
        }
    }

    /// Writes the viewer at `index` what it has not had.
    fn visit(&mut self, index: usize, ring: &broadcast::Sender<Batch>) -> Visit {
        let head = self.head();
        let viewer = &mut self.viewers[index];
        if viewer.next < self.base {
            viewer.resume(Vec::new(), ring.subscribe(), true);
            return Visit::Left;
        }
        if viewer.next == head {
            return Visit::Nothing;
        }
        let from = usize::try_from(viewer.next - self.base).unwrap_or(usize::MAX);
        if viewer.offer(&self.pending[from..], ring) {
            viewer.next = head;
            Visit::Wrote
        } else {
            Visit::Left
        }
    }

    /// Back to the first viewer; forgets the batches every viewer has.
    fn end_sweep(&mut self) {
        self.cursor = 0;
        let head = self.head();
        let oldest = self.viewers.iter().map(|v| v.next).min().unwrap_or(head);
        let done = usize::try_from(oldest.max(self.base) - self.base)
            .unwrap_or(usize::MAX)
            .min(self.pending.len());
        self.pending.drain(..done);
        self.base += done as u64;
    }

    /// Hands back the writes of every viewer that asked for them and has
    /// every batch; one still behind is handed back after its next write.
    pub(crate) fn release_detached(&mut self, ring: &broadcast::Sender<Batch>) {
        let head = self.head();
        let (mut index, cursor) = (0, self.cursor);
        let mut before_cursor = 0;
        self.viewers.retain_mut(|viewer| {
            index += 1;
            if viewer.next != head || !viewer.detach.load(Ordering::Acquire) {
                return true;
            }
            viewer.resume(Vec::new(), ring.subscribe(), false);
            before_cursor += usize::from(index <= cursor);
            false
        });
        self.cursor -= before_cursor;
    }
}

/// What one write means for an attached viewer.
enum Verdict {
    Stay,
    /// Hand the writes back; these bytes are still to go.
    Resume(Vec<Bytes>),
    Failed(io::Error),
}

impl Attached {
    /// Writes `batches`; whether the viewer stays attached.
    fn offer(&mut self, batches: &[Batch], ring: &broadcast::Sender<Batch>) -> bool {
        match self.write(batches) {
            Verdict::Stay => true,
            Verdict::Resume(leftover) => {
                self.resume(leftover, ring.subscribe(), false);
                false
            }
            Verdict::Failed(e) => {
                self.send(Handback::Failed(e));
                false
            }
        }
    }

    fn write(&mut self, batches: &[Batch]) -> Verdict {
        match self.sink.offer(batches) {
            // A viewer that asked for its writes gets them after a whole batch.
            Offer::Taken if self.detach.load(Ordering::Acquire) => Verdict::Resume(Vec::new()),
            Offer::Taken => Verdict::Stay,
            Offer::Full(leftover) => Verdict::Resume(leftover),
            Offer::Failed(e) => Verdict::Failed(e),
        }
    }

    fn resume(&mut self, leftover: Vec<Bytes>, ring: broadcast::Receiver<Batch>, lagged: bool) {
        self.send(Handback::Resume {
            leftover,
            ring,
            lagged,
        });
    }

    /// Sends once: the sender is swapped for a closed one.
    fn send(&mut self, handback: Handback) {
        let (closed, _) = oneshot::channel();
        let sender = std::mem::replace(&mut self.handback, closed);
        let _ = sender.send(handback);
    }
}

/// Lets the tasks already waiting to run go first, then carries on: the
/// task wakes itself, which puts it at the back of the run queue.
/// (`tokio::task::yield_now` instead waits until the runtime has nothing
/// else to do, which under load starves the stream.)
pub(crate) struct YieldOnce(pub(crate) bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}
