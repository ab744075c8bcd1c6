//! The viewer loop shared by HTTP-FLV and RTMP play.
//!
//! A viewer first writes the GOP cache and whatever the ring holds, in
//! vectored writes of every batch ready; once caught up it hands its
//! writes to the stream actor (`crate::direct`) and waits until the actor
//! hands them back, writes what the actor could not, and reads the ring
//! again. The protocols differ in three things only, all given by the
//! caller: how a packet is serialised (an FLV tag, or RTMP chunks for the
//! player's stream id and chunk size), what else may interrupt the loop
//! (an RTMP player's peer sends messages, a response body's reader goes
//! away, and the server may stop), and where the bytes go
//! ([`ViewerSink`]: a raw socket, or an HTTP response body).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use hub::{Attachment, Detached, Packet, Subscription, SubscriptionEnd};

use crate::viewer_sink::ViewerSink;
use crate::writer::{self, PumpEnd};

/// What interrupts a viewer's loop besides its subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The peer sent something: read it (the actor's writes stay attached).
    Readable,
    /// The server is stopping.
    Shutdown,
}

/// Why the loop handed control back.
#[derive(Debug)]
pub(crate) enum Exit {
    Woken(Wake),
    /// The subscription is over.
    Ended(SubscriptionEnd),
}

/// One viewer of a stream: its subscription, and the stream actor's hold
/// on its writes while it has one.
#[derive(Debug)]
pub(crate) struct Viewer {
    sub: Subscription,
    /// Set while the stream actor writes for this viewer.
    attached: Option<Attachment>,
}

/// Where a viewer's bytes go.
pub(crate) struct Output<'a, S> {
    pub(crate) sink: &'a S,
    /// Bytes still to write before the next batch; the caller may have
    /// queued its own (an RTMP reply).
    pub(crate) out: &'a mut Vec<Bytes>,
    /// A sink that takes nothing for this long ends the viewer.
    pub(crate) timeout: Duration,
}

impl Viewer {
    pub(crate) fn new(sub: Subscription) -> Viewer {
        Viewer {
            sub,
            attached: None,
        }
    }

    /// Writes batches, serialised by `encode`, until the subscription
    /// ends or `wake` completes. The wait on `wake` lives across batches:
    /// each wake-up costs one receive from the ring and one write.
    pub(crate) async fn play<S, E, W>(
        &mut self,
        output: Output<'_, S>,
        encode: E,
        mut wake: Pin<&mut W>,
    ) -> Result<Exit, PumpEnd>
    where
        S: ViewerSink,
        E: Fn(&Packet) -> Bytes + Copy + Send + 'static,
        W: Future<Output = io::Result<Wake>>,
    {
        let Output { sink, out, timeout } = output;
        loop {
            if self.attached.is_none() && self.sub.caught_up() {
                self.attached = Some(self.sub.attach(sink.direct(encode)).await);
            }
            if let Some(attachment) = self.attached.as_mut() {
                let returned = tokio::select! {
                    biased;
                    woken = &mut wake => return woken.map(Exit::Woken).map_err(PumpEnd::Io),
                    returned = attachment.returned() => returned,
                };
                self.attached = None;
                match self.sub.resume(returned) {
                    Detached::Write(leftover) => out.extend(leftover),
                    Detached::Ended(end) => return Ok(Exit::Ended(end)),
                    Detached::Failed(e) => return Err(PumpEnd::Io(e)),
                }
                sink.write(out, timeout).await?;
                continue;
            }
            let batch = tokio::select! {
                biased;
                woken = &mut wake => return woken.map(Exit::Woken).map_err(PumpEnd::Io),
                batch = self.sub.next() => batch,
            };
            let first = match batch {
                Ok(first) => first,
                Err(end) => return Ok(Exit::Ended(end)),
            };
            let ended = writer::gather(first, &mut self.sub, out, &encode);
            sink.write(out, timeout).await?;
            if let Some(end) = ended {
                return Ok(Exit::Ended(end));
            }
        }
    }

    /// Takes the writes back from the stream actor, so that the caller
    /// may write on the socket itself: what the actor had not written
    /// goes into `out` before the caller's own bytes.
    pub(crate) async fn reclaim(&mut self, out: &mut Vec<Bytes>) -> Result<(), PumpEnd> {
        let Some(attachment) = self.attached.take() else {
            return Ok(());
        };
        match self.sub.resume(attachment.detach().await) {
            Detached::Write(mut leftover) => {
                leftover.append(out);
                *out = leftover;
                Ok(())
            }
            // The next turn reads the end from the subscription.
            Detached::Ended(_) => Ok(()),
            Detached::Failed(e) => Err(PumpEnd::Io(e)),
        }
    }
}
