//! What the hub tells about its streams: started, taken over, ended, and
//! how many watch. Each event is sent once, when it happens; nothing polls.
//!
//! Events go through a bounded ring (`tokio::sync::broadcast`): a consumer
//! that falls a whole ring behind is told it lagged and re-reads
//! [`Hub::streams`](crate::Hub::streams). A slow consumer never blocks a
//! stream actor nor grows memory.

use thiserror::Error;
use tokio::sync::broadcast::{self, error::RecvError};

/// Events the ring holds for a consumer that has not read them yet.
pub(crate) const EVENT_QUEUE: usize = 1024;

/// A change in one stream's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A first publisher started the stream (epoch 1).
    Started { name: String, epoch: u64 },
    /// A new publisher took the stream over; `epoch` is its own.
    TakenOver { name: String, epoch: u64 },
    /// The stream ended; `epoch` is that of its last publisher.
    Ended { name: String, epoch: u64 },
    /// The number of viewers changed. Changes close together are
    /// reported once, with the count at that moment; relays (pulls) are
    /// not viewers.
    Viewers { name: String, count: usize },
}

/// Why [`HubEvents::recv`] gave no event.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum EventsError {
    /// The consumer fell behind and `missed` events were dropped: re-read
    /// [`Hub::streams`](crate::Hub::streams), then carry on receiving.
    #[error("missed {missed} stream events; re-read the hub's streams")]
    Lagged { missed: u64 },
    /// The hub is gone.
    #[error("the hub is gone")]
    Closed,
}

/// One consumer's view of the hub's events, from the moment it subscribed.
#[derive(Debug)]
pub struct HubEvents {
    events: broadcast::Receiver<StreamEvent>,
}

impl HubEvents {
    pub(crate) fn new(events: broadcast::Receiver<StreamEvent>) -> HubEvents {
        HubEvents { events }
    }

    /// The next event, waiting for one.
    pub async fn recv(&mut self) -> Result<StreamEvent, EventsError> {
        self.events.recv().await.map_err(|e| match e {
            RecvError::Lagged(missed) => EventsError::Lagged { missed },
            RecvError::Closed => EventsError::Closed,
        })
    }
}
