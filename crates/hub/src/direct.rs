//! Viewers the stream actor writes to itself.
//!
//! A viewer that has caught up hands its socket's writes to the actor
//! ([`Subscription::attach`](crate::Subscription::attach)). The actor then
//! offers every batch to it right after putting the batch in the ring: one
//! non-blocking write, no task wake-up, no ring read. When a write does not
//! go through whole (the socket is full), fails, or the viewer asks, the
//! actor hands the writes back with whatever it could not write and a ring
//! position just after that batch; the viewer's task goes on from there at
//! its own pace, under the usual slow-viewer policy, and attaches again
//! once it has caught up.

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

/// The viewers a stream actor writes to.
pub(crate) struct DirectViewers {
    viewers: Vec<Attached>,
    /// `HubConfig::max_direct_viewers`.
    max_viewers: usize,
}

impl DirectViewers {
    pub(crate) fn new(max_viewers: usize) -> DirectViewers {
        DirectViewers {
            viewers: Vec::new(),
            max_viewers,
        }
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
        let mut viewer = Attached {
            sink,
            handback,
            detach,
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

    /// Offers `batches`, just put in `ring`, to the attached viewers from
    /// `*next` on, at most [`WRITES_PER_TURN`] of them; whether every
    /// viewer has had them. The actor lets other tasks run between turns,
    /// so that a large audience does not hold up connections being set up.
    pub(crate) fn offer_turn(
        &mut self,
        batches: &[Batch],
        ring: &broadcast::Sender<Batch>,
        next: &mut usize,
    ) -> bool {
        for i in 0..WRITES_PER_TURN {
            if i % WRITES_PER_CPU_YIELD == WRITES_PER_CPU_YIELD - 1 {
                // Another thread waiting for this core (the connections'
                // runtime, with a handshake step to answer) runs now, not
                // when the kernel's time slice ends.
                std::thread::yield_now();
            }
            let Some(viewer) = self.viewers.get_mut(*next) else {
                return true;
            };
            if viewer.offer(batches, ring) {
                *next += 1;
            } else {
                // Order does not matter: every viewer gets every batch.
                self.viewers.swap_remove(*next);
            }
        }
        *next >= self.viewers.len()
    }

    /// Hands back the writes of every viewer that asked for them.
    pub(crate) fn release_detached(&mut self, ring: &broadcast::Sender<Batch>) {
        self.viewers.retain_mut(|viewer| {
            if !viewer.detach.load(Ordering::Acquire) {
                return true;
            }
            viewer.resume(Vec::new(), ring.subscribe(), false);
            false
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.viewers.len()
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
