use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::direct::{AttachRequest, Handback};
use crate::stream::{Command, Joined};
use crate::viewers::ViewerGuard;
use crate::{Batch, DirectSink, LagPolicy, LagVerdict};

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
    /// `None` while the stream actor writes for this viewer.
    ring: Option<broadcast::Receiver<Batch>>,
    policy: LagPolicy,
    commands: mpsc::Sender<Command>,
    /// The stream refused to write for this viewer: it writes for itself.
    attach_refused: bool,
    /// Counts this viewer in its stream; `None` for a relay.
    _viewer: Option<ViewerGuard>,
}

impl Subscription {
    pub(crate) fn new(
        name: String,
        joined: Joined,
        viewer: Option<ViewerGuard>,
        policy: LagPolicy,
        commands: mpsc::Sender<Command>,
    ) -> Subscription {
        Subscription {
            name,
            first: Some(joined.snapshot.into()),
            ring: Some(joined.ring),
            policy,
            commands,
            attach_refused: false,
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
            let Some(ring) = self.ring.as_mut() else {
                return Err(SubscriptionEnd::StreamEnded);
            };
            let received = ring.recv().await;
            if let Some(result) = self.handle(received) {
                return result;
            }
        }
    }

    /// The next batch if one is ready now: lets a viewer that woke late
    /// write several batches in one go.
    pub fn try_next(&mut self) -> Option<Result<Batch, SubscriptionEnd>> {
        loop {
            let received = match self.ring.as_mut()?.try_recv() {
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

    /// Whether the viewer has caught up: nothing left to read, and no
    /// keyframe awaited. Only then may it [`attach`](Self::attach).
    pub fn caught_up(&self) -> bool {
        let ring_empty = self.ring.as_ref().is_some_and(|r| r.is_empty());
        let ready = self.first.is_none() && !self.attach_refused;
        ready && ring_empty && !self.policy.is_skipping()
    }

    /// Hands this viewer's writes to the stream actor, which then writes
    /// each batch to `sink` as it comes (see the `direct` module). Call it
    /// when [`caught_up`](Self::caught_up), and [`resume`](Self::resume)
    /// with what the [`Attachment`] returns before reading again.
    pub async fn attach(&mut self, sink: Box<dyn DirectSink>) -> Attachment {
        let (handback, returned) = oneshot::channel();
        let detach = Arc::new(AtomicBool::new(false));
        if let Some(ring) = self.ring.take() {
            let request = AttachRequest {
                sink,
                ring,
                handback,
                detach: detach.clone(),
            };
            // An actor that is gone leaves the viewer to read the rest of
            // the ring itself.
            let sent = self.commands.send(Command::Attach(request)).await;
            if let Err(mpsc::error::SendError(Command::Attach(request))) = sent {
                request.decline();
            }
        }
        Attachment {
            returned,
            detach,
            commands: self.commands.clone(),
            returned_yet: false,
        }
    }

    /// Takes the writes back from the stream actor: what to write before
    /// reading the ring again, or why the viewer is over.
    pub fn resume(&mut self, returned: Returned) -> Detached {
        match returned.0 {
            Some(Handback::Resume {
                leftover,
                ring,
                lagged,
            }) => {
                self.ring = Some(ring);
                if lagged {
                    if let Some(Err(end)) = self.handle(Err(RecvError::Lagged(0))) {
                        return Detached::Ended(end);
                    }
                }
                Detached::Write(leftover)
            }
            Some(Handback::Refused { ring }) => {
                self.ring = Some(ring);
                self.attach_refused = true;
                Detached::Write(Vec::new())
            }
            Some(Handback::Failed(e)) => Detached::Failed(e),
            None => Detached::Ended(SubscriptionEnd::StreamEnded),
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

/// A viewer whose writes the stream actor has.
#[derive(Debug)]
pub struct Attachment {
    returned: oneshot::Receiver<Handback>,
    detach: Arc<AtomicBool>,
    commands: mpsc::Sender<Command>,
    /// The actor has handed the writes back (or is gone).
    returned_yet: bool,
}

/// The writes handed back by the stream actor; give them to
/// [`Subscription::resume`].
#[derive(Debug)]
pub struct Returned(Option<Handback>);

/// What a viewer does once its writes are back.
#[derive(Debug)]
pub enum Detached {
    /// Write these bytes, then read the subscription again.
    Write(Vec<Bytes>),
    Ended(SubscriptionEnd),
    /// A write to the viewer's socket failed.
    Failed(io::Error),
}

impl Attachment {
    /// Waits until the actor hands the writes back: the socket was full, a
    /// write failed, or the stream ended.
    pub async fn returned(&mut self) -> Returned {
        let handback = (&mut self.returned).await.ok();
        self.returned_yet = true;
        Returned(handback)
    }

    /// Asks for the writes back (to write something else on the socket);
    /// they come back once the actor has written this viewer every batch
    /// so far (at most one sweep over the attached viewers).
    pub async fn detach(mut self) -> Returned {
        self.detach.store(true, Ordering::Release);
        let _ = self.commands.send(Command::Release).await;
        self.returned().await
    }
}

impl Drop for Attachment {
    /// A viewer that leaves while attached is forgotten by the actor: at
    /// once if it has every batch, else after its next write (the flag is
    /// also what the actor reads after each write, should its inbox be
    /// full).
    fn drop(&mut self) {
        if self.returned_yet {
            return;
        }
        self.detach.store(true, Ordering::Release);
        let _ = self.commands.try_send(Command::Release);
    }
}
