use std::ops::ControlFlow;
use std::sync::Arc;

use media::Frame;
use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::direct::{AttachRequest, DirectViewers, YieldOnce};
use crate::registry::HubInner;
use crate::viewers::ViewerReport;
use crate::{Batch, Batcher, GopCache, HubConfig, Packet, Sink, StreamEvent};

/// What a stream actor is asked to do.
pub(crate) enum Command {
    Frame {
        epoch: u64,
        frame: Frame,
    },
    Publish {
        reply: oneshot::Sender<u64>,
    },
    Unpublish {
        epoch: u64,
    },
    /// A caught-up viewer hands its writes over.
    Attach(AttachRequest),
    /// Some attached viewer wants its writes back.
    Release,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Frame { .. } => "Frame",
            Command::Publish { .. } => "Publish",
            Command::Unpublish { .. } => "Unpublish",
            Command::Attach(_) => "Attach",
            Command::Release => "Release",
        })
    }
}

/// What a new viewer gets: the GOP cache, and the ring from that point on.
pub(crate) struct Joined {
    pub(crate) snapshot: Vec<Arc<Packet>>,
    pub(crate) ring: broadcast::Receiver<Batch>,
}

/// Keeps the timeline continuous when a new publisher takes over: its
/// timestamps are shifted to carry on just after the last frame sent.
#[derive(Debug, Default)]
struct Rebase {
    offset: i64,
    last_dts: Option<i64>,
    pending: bool,
}

impl Rebase {
    const GAP_MS: i64 = 20;

    fn apply(&mut self, frame: &mut Frame) {
        if self.pending {
            self.pending = false;
            if let Some(last) = self.last_dts {
                self.offset = last + Self::GAP_MS - frame.dts;
            }
        }
        frame.dts = frame.dts.saturating_add(self.offset);
        frame.pts = frame.pts.saturating_add(self.offset);
        self.last_dts = Some(self.last_dts.map_or(frame.dts, |l| l.max(frame.dts)));
    }
}

/// What a stream actor hears besides its commands: new viewers (answered
/// first) and changes in their number.
pub(crate) struct SideInputs {
    pub(crate) subscribes: mpsc::Receiver<oneshot::Sender<Joined>>,
    pub(crate) viewers: ViewerReport,
}

/// Most commands an actor takes in one go between two turns of writes.
const COMMANDS_PER_TURN: usize = 64;

/// One live stream: its GOP cache, its ring of batches and its sinks.
pub(crate) struct StreamActor {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) hub: Arc<HubInner>,
    gop: GopCache,
    batcher: Batcher,
    ring: broadcast::Sender<Batch>,
    direct: DirectViewers,
    /// New viewers, answered before any other command.
    subscribes: mpsc::Receiver<oneshot::Sender<Joined>>,
    epoch: watch::Sender<u64>,
    rebase: Rebase,
    sinks: Vec<Box<dyn Sink>>,
    viewers: ViewerReport,
}

impl StreamActor {
    pub(crate) fn new(
        id: u64,
        name: String,
        hub: Arc<HubInner>,
        config: &HubConfig,
        epoch: watch::Sender<u64>,
        sinks: Vec<Box<dyn Sink>>,
        side: SideInputs,
    ) -> StreamActor {
        StreamActor {
            id,
            name,
            hub,
            gop: GopCache::new(config.gop_cache_bytes),
            batcher: Batcher::new(),
            ring: broadcast::channel(config.ring_batches.max(1)).0,
            direct: DirectViewers::new(config.max_direct_viewers, config.ring_batches),
            subscribes: side.subscribes,
            epoch,
            rebase: Rebase::default(),
            sinks,
            viewers: side.viewers,
        }
    }

    /// Waits for commands while the attached viewers have every batch;
    /// otherwise writes to them a turn at a time, and takes the commands
    /// (new frames among them) and the new viewers that came in between,
    /// the commands only while the viewers are less than half a ring
    /// behind (the publisher waits meanwhile). A change in the number of
    /// viewers is reported between the two.
    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        loop {
            let command = if self.direct.is_idle() {
                tokio::select! {
                    biased;
                    Some(reply) = self.subscribes.recv() => {
                        self.handle_subscribe(reply);
                        continue;
                    }
                    count = self.viewers.next() => {
                        self.report_viewers(count);
                        continue;
                    }
                    command = commands.recv() => command,
                }
            } else {
                self.write_turn().await;
                let count = self.viewers.poll_now();
                self.report_viewers(count);
                if self.direct.is_backlogged() {
                    continue;
                }
                match commands.try_recv() {
                    Ok(command) => Some(command),
                    Err(TryRecvError::Empty) => continue,
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            let Some(command) = command else { break };
            if self.handle_waiting(command, &mut commands).is_break() {
                break;
            }
        }
        self.hub
            .remove_stream(&self.name, self.id, *self.epoch.borrow());
        self.flush();
        while !self.direct.is_idle() {
            self.write_turn().await;
        }
        // Viewers whose attach came after the end read the rest of the
        // ring themselves.
        commands.close();
        while let Ok(command) = commands.try_recv() {
            if let Command::Attach(request) = command {
                request.decline();
            }
        }
        for sink in &mut self.sinks {
            sink.finish();
        }
        tracing::info!(stream = %self.name, "stream ended");
    }

    /// Applies `first` and the commands waiting behind it.
    fn handle_waiting(
        &mut self,
        first: Command,
        commands: &mut mpsc::Receiver<Command>,
    ) -> ControlFlow<()> {
        self.handle(first)?;
        for _ in 1..COMMANDS_PER_TURN {
            let Ok(command) = commands.try_recv() else {
                break;
            };
            self.handle(command)?;
        }
        ControlFlow::Continue(())
    }

    fn handle(&mut self, command: Command) -> ControlFlow<()> {
        match command {
            Command::Frame { epoch, frame } => self.handle_frame(epoch, frame),
            Command::Publish { reply } => self.handle_publish(reply),
            Command::Attach(request) => self.direct.attach(request),
            Command::Release => self.direct.release_detached(&self.ring),
            Command::Unpublish { epoch } if epoch == *self.epoch.borrow() => {
                return ControlFlow::Break(())
            }
            Command::Unpublish { .. } => {}
        }
        ControlFlow::Continue(())
    }

    /// One turn of writes to the attached viewers, then lets other tasks
    /// run and answers the viewers that asked to join meanwhile: their
    /// ring position is the ring's end, and their snapshot holds
    /// everything before it.
    async fn write_turn(&mut self) {
        self.direct.turn(&self.ring);
        YieldOnce(false).await;
        while let Ok(reply) = self.subscribes.try_recv() {
            self.handle_subscribe(reply);
        }
    }

    fn handle_frame(&mut self, epoch: u64, mut frame: Frame) {
        if epoch != *self.epoch.borrow() {
            return;
        }
        self.rebase.apply(&mut frame);
        let packet = Arc::new(Packet::new(frame));
        self.gop.handle_packet(&packet);
        for sink in &mut self.sinks {
            sink.handle_packet(&packet);
        }
        if let Some(batch) = self.batcher.push(packet, self.gop.has_video()) {
            self.send(batch);
        }
    }

    fn handle_publish(&mut self, reply: oneshot::Sender<u64>) {
        let epoch = *self.epoch.borrow() + 1;
        self.epoch.send_replace(epoch);
        self.flush();
        self.gop.clear_frames();
        self.rebase.pending = true;
        tracing::info!(stream = %self.name, epoch, "publisher took the stream over");
        self.hub.send_event(StreamEvent::TakenOver {
            name: self.name.clone(),
            epoch,
        });
        let _ = reply.send(epoch);
    }

    fn report_viewers(&self, count: Option<usize>) {
        if let Some(count) = count {
            self.hub.send_event(StreamEvent::Viewers {
                name: self.name.clone(),
                count,
            });
        }
    }

    fn handle_subscribe(&mut self, reply: oneshot::Sender<Joined>) {
        // Packets waiting in the batcher are in the cache already, and go
        // into the ring with the next batch: the newcomer gets them from
        // there, not twice. (They are audio frames only, the newest in the
        // cache, so the snapshot stays a whole prefix of the stream.)
        let pending = self.batcher.pending();
        let snapshot = self
            .gop
            .snapshot()
            .into_iter()
            .filter(|packet| !pending.iter().any(|p| Arc::ptr_eq(p, packet)))
            .collect();
        let joined = Joined {
            snapshot,
            ring: self.ring.subscribe(),
        };
        let _ = reply.send(joined);
    }

    fn flush(&mut self) {
        if let Some(batch) = self.batcher.flush() {
            self.send(batch);
        }
    }

    /// Into the ring for the viewers that read it, and to the attached
    /// viewers on their next visit.
    fn send(&mut self, batch: Batch) {
        self.direct.push(batch.clone());
        let _ = self.ring.send(batch);
    }
}
