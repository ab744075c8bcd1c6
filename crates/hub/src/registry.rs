use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};

use crate::events::EVENT_QUEUE;
use crate::stream::{Command, Joined, SideInputs, StreamActor};
use crate::viewers::{ViewerGuard, ViewerTally};
use crate::{HubConfig, HubError, HubEvents, Publisher, SinkFactory, StreamEvent, Subscription};

/// New viewers waiting for their stream actor, per stream.
const SUBSCRIBE_QUEUE: usize = 256;

/// The live streams of this process, by name.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

/// What the hub says about one live stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub name: String,
    pub viewers: usize,
    pub started_at: Instant,
    /// The current publisher's epoch: 1, plus one per takeover.
    pub epoch: u64,
}

pub(crate) struct HubInner {
    config: HubConfig,
    sinks: Option<Arc<dyn SinkFactory>>,
    streams: Mutex<HashMap<String, Entry>>,
    created: Notify,
    next_id: AtomicU64,
    events: broadcast::Sender<StreamEvent>,
}

struct Entry {
    id: u64,
    commands: mpsc::Sender<Command>,
    /// New viewers, which the actor answers before its other commands.
    subscribes: mpsc::Sender<oneshot::Sender<Joined>>,
    viewers: Arc<ViewerTally>,
    started_at: Instant,
    epoch: watch::Receiver<u64>,
}

impl Hub {
    pub fn new(config: HubConfig, sinks: Option<Arc<dyn SinkFactory>>) -> Hub {
        Hub {
            inner: Arc::new(HubInner {
                config,
                sinks,
                streams: Mutex::new(HashMap::new()),
                created: Notify::new(),
                next_id: AtomicU64::new(1),
                events: broadcast::channel(EVENT_QUEUE).0,
            }),
        }
    }

    /// Starts publishing `name`, taking it over from its current publisher
    /// if it has one. Must be called inside a tokio runtime.
    pub async fn publish(&self, name: &str) -> Publisher {
        loop {
            let commands = match self.inner.start_stream(name) {
                Ok(publisher) => return publisher,
                Err(commands) => commands,
            };
            let (reply, answer) = oneshot::channel();
            if commands.send(Command::Publish { reply }).await.is_err() {
                continue;
            }
            // The actor may be ending: then it drops the reply, and we retry.
            if let Ok(epoch) = answer.await {
                if let Some(publisher) = self.inner.publisher(name, epoch, &commands) {
                    return publisher;
                }
            }
            tokio::task::yield_now().await;
        }
    }

    /// Joins `name`, waiting up to `wait` for a publisher to start it.
    pub async fn subscribe(&self, name: &str, wait: Duration) -> Result<Subscription, HubError> {
        self.join(name, wait, Audience::Viewer).await
    }

    /// Joins `name` as a relay (a pull that feeds another hub): served
    /// like a viewer, but not counted as one.
    pub async fn subscribe_relay(
        &self,
        name: &str,
        wait: Duration,
    ) -> Result<Subscription, HubError> {
        self.join(name, wait, Audience::Relay).await
    }

    /// The streams' lifecycle events from now on (see [`StreamEvent`]).
    /// Read [`streams`](Self::streams) after subscribing for the state
    /// that the events then change.
    pub fn events(&self) -> HubEvents {
        HubEvents::new(self.inner.events.subscribe())
    }

    async fn join(
        &self,
        name: &str,
        wait: Duration,
        audience: Audience,
    ) -> Result<Subscription, HubError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let created = self.inner.created.notified();
            tokio::pin!(created);
            created.as_mut().enable();
            if let Some(subscription) = self.try_subscribe(name, audience).await {
                return Ok(subscription);
            }
            if tokio::time::timeout_at(deadline, created).await.is_err() {
                return Err(HubError::NotFound {
                    name: name.to_owned(),
                });
            }
        }
    }

    /// The live streams, by name.
    pub fn streams(&self) -> Vec<StreamInfo> {
        let streams = self.inner.lock();
        let mut out: Vec<StreamInfo> = streams
            .iter()
            .map(|(name, e)| StreamInfo {
                name: name.clone(),
                viewers: e.viewers.count(),
                started_at: e.started_at,
                epoch: *e.epoch.borrow(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Whether `name` is live here now.
    pub fn is_live(&self, name: &str) -> bool {
        self.inner.lock().contains_key(name)
    }

    /// The viewers of `name` (relays not counted), if it is live here.
    pub fn viewers(&self, name: &str) -> Option<usize> {
        self.inner.lock().get(name).map(|e| e.viewers.count())
    }

    async fn try_subscribe(&self, name: &str, audience: Audience) -> Option<Subscription> {
        let (commands, subscribes, viewers) = {
            let streams = self.inner.lock();
            let entry = streams.get(name)?;
            let subscribes = entry.subscribes.clone();
            (entry.commands.clone(), subscribes, entry.viewers.clone())
        };
        let (reply, answer) = oneshot::channel();
        subscribes.send(reply).await.ok()?;
        let joined = answer.await.ok()?;
        let config = &self.inner.config;
        Some(Subscription::new(
            name.to_owned(),
            joined,
            (audience == Audience::Viewer).then(|| ViewerGuard::new(viewers)),
            crate::LagPolicy::new(config.max_lags, config.lag_window),
            commands,
        ))
    }
}

/// Who joins a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Viewer,
    Relay,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("streams", &self.streams())
            .finish()
    }
}

impl HubInner {
    /// Creates the stream with its first publisher, or hands back the
    /// command channel of the stream that already exists.
    fn start_stream(self: &Arc<Self>, name: &str) -> Result<Publisher, mpsc::Sender<Command>> {
        let mut streams = self.lock();
        if let Some(entry) = streams.get(name) {
            return Err(entry.commands.clone());
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (commands, inbox) = mpsc::channel(self.config.publish_queue.max(1));
        let (subscribes, subscribe_inbox) = mpsc::channel(SUBSCRIBE_QUEUE);
        let (epoch, current) = watch::channel(1);
        let (viewers, report) = ViewerTally::new();
        let sinks = self
            .sinks
            .as_ref()
            .map(|f| f.sinks(name))
            .unwrap_or_default();
        let actor = StreamActor::new(
            id,
            name.to_owned(),
            self.clone(),
            &self.config,
            epoch,
            sinks,
            SideInputs {
                subscribes: subscribe_inbox,
                viewers: report,
            },
        );
        match &self.config.actors {
            Some(runtime) => drop(runtime.spawn(actor.run(inbox))),
            None => drop(tokio::spawn(actor.run(inbox))),
        }
        streams.insert(
            name.to_owned(),
            Entry {
                id,
                commands: commands.clone(),
                subscribes,
                viewers,
                started_at: Instant::now(),
                epoch: current.clone(),
            },
        );
        self.send_event(StreamEvent::Started {
            name: name.to_owned(),
            epoch: 1,
        });
        drop(streams);
        self.created.notify_waiters();
        tracing::info!(stream = name, "stream started");
        Ok(Publisher::new(name.to_owned(), 1, commands, current))
    }

    /// A publisher for the epoch the actor granted, if the actor still lives.
    fn publisher(
        &self,
        name: &str,
        epoch: u64,
        commands: &mpsc::Sender<Command>,
    ) -> Option<Publisher> {
        let streams = self.lock();
        let entry = streams.get(name)?;
        if !entry.commands.same_channel(commands) {
            return None;
        }
        let current = entry.epoch.clone();
        Some(Publisher::new(
            name.to_owned(),
            epoch,
            commands.clone(),
            current,
        ))
    }

    /// Called by an ending actor: forgets the stream if it is still this
    /// one, and tells it ended at `epoch`.
    pub(crate) fn remove_stream(&self, name: &str, id: u64, epoch: u64) {
        let mut streams = self.lock();
        if streams.get(name).is_some_and(|e| e.id == id) {
            streams.remove(name);
        }
        // Under the lock: a new stream of the same name starts after this.
        self.send_event(StreamEvent::Ended {
            name: name.to_owned(),
            epoch,
        });
    }

    /// Tells the event consumers, if any; never waits.
    pub(crate) fn send_event(&self, event: StreamEvent) {
        let _ = self.events.send(event);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic elsewhere cannot leave this map half-updated: every
        // critical section is a single insert, remove or read.
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }
}
