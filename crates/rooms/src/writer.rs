//! The writer's side of a room in a cluster: this replica holds the room's
//! writer lease, so its actor numbers the events. Each event goes to the
//! room's bus after storage; commands forwarded by other replicas come in
//! through the room's command queue and are acked once applied and their
//! events are on the bus; answers for connections elsewhere go to their
//! replica's inbox for the room.
//!
//! Everything the writer sends to Redis goes through one ordered outbox
//! task, so the actor never waits on the link: a blip delays the bus,
//! never reorders or drops it. The outbox stops at the first fenced write.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use bytes::Bytes;
use cluster::{
    ClusterError, CommandReader, ForwardedCommand, KeptLease, Lease, LeaseLost, Liveness,
};
use room::UserId;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::actor::ToRoom;
use crate::outgoing::Shared;
use crate::relay::encode_message;
use crate::replicas::{inbox_of, Replicas};
use crate::writer_watch::watch_cluster;

/// How long a reader waits for forwarded commands per call.
const READ_WAIT: Duration = Duration::from_secs(2);
/// The pause after a failed read or write before the next try.
const RETRY_PAUSE: Duration = Duration::from_millis(500);
/// Forwarded command ids remembered, so a redelivery applies once.
const SEEN: usize = 4096;
/// Writes the outbox may hold while Redis is slow; when it is full the
/// actor waits, and so (through its inbox) do the members sending to it.
pub(crate) const OUTBOX: usize = 4096;

/// A connection on another replica, as the writer knows it: the replica,
/// its run (a replica restarted under the same id is another run) and the
/// connection's number there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RemoteConn {
    pub(crate) node: String,
    pub(crate) incarnation: u64,
    pub(crate) conn: u64,
}

/// One write to Redis, in the order the actor made it.
#[derive(Debug)]
pub(crate) enum Out {
    /// An event on the bus.
    Event { seq: u64, payload: Bytes },
    /// An answer for a connection on `node`.
    Answer { node: String, payload: Bytes },
    /// A forwarded command applied: remove it from the queue.
    Ack { id: String },
}

/// What a writer actor holds besides its room.
pub(crate) struct Writer {
    pub(crate) node: String,
    lease: KeptLease,
    outbox: mpsc::Sender<Out>,
    /// Connections on other replicas, and their users.
    remote: HashMap<RemoteConn, UserId>,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    tasks: Vec<JoinHandle<()>>,
    outbox_task: Option<JoinHandle<()>>,
    replicas: Replicas,
}

impl Writer {
    /// Starts the outbox and the command reader of a granted lease.
    pub(crate) fn start(
        replicas: Replicas,
        lease: Lease,
        inbox: mpsc::Sender<ToRoom>,
    ) -> Result<Writer, ClusterError> {
        let reader = replicas.cluster.commands.reader()?;
        let kept = KeptLease::spawn(
            replicas.cluster.room_writers.clone(),
            lease.clone(),
            replicas.cluster.config.timing,
        );
        let (outbox, rx) = mpsc::channel(OUTBOX);
        let room = lease.resource.clone();
        let outbox_task = tokio::spawn(run_outbox(replicas.clone(), lease, rx));
        let tasks = vec![
            tokio::spawn(read_commands(reader, room.clone(), inbox.clone())),
            tokio::spawn(watch_cluster(replicas.clone(), room, inbox)),
        ];
        Ok(Writer {
            node: replicas.node.clone(),
            lease: kept,
            outbox,
            remote: HashMap::new(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            tasks,
            outbox_task: Some(outbox_task),
            replicas,
        })
    }

    /// An event for the members on other replicas: onto the bus, after
    /// what is queued already.
    pub(crate) async fn publish(&self, message: &Shared) {
        let event = Out::Event {
            seq: message.seq(),
            payload: Bytes::from(encode_message(message)),
        };
        self.send(event).await;
    }

    /// The epoch of the writer lease.
    pub(crate) fn epoch(&self) -> u64 {
        self.lease.lease().epoch
    }

    /// Resolves when the lease is lost (a takeover, or no renewal for a TTL).
    pub(crate) async fn lost(&mut self) -> LeaseLost {
        self.lease.lost().await
    }

    /// Whether a forwarded command is new (a redelivery is not).
    pub(crate) fn first_time(&mut self, id: &str) -> bool {
        if !self.seen.insert(id.to_owned()) {
            return false;
        }
        self.seen_order.push_back(id.to_owned());
        if self.seen_order.len() > SEEN {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    /// Queues a write, waiting while the outbox is full.
    pub(crate) async fn send(&self, out: Out) {
        // The outbox task lives as long as the writer; after a fenced
        // write it is gone and nothing more needs writing.
        let _ = self.outbox.send(out).await;
    }

    pub(crate) fn add_remote(&mut self, remote: RemoteConn, user: UserId) {
        self.remote.insert(remote, user);
    }

    pub(crate) fn remove_remote(&mut self, remote: &RemoteConn) -> Option<UserId> {
        self.remote.remove(remote)
    }

    pub(crate) fn remote_user(&self, remote: &RemoteConn) -> Option<UserId> {
        self.remote.get(remote).copied()
    }

    /// Forgets the connections of earlier runs of `remote`'s replica (it
    /// restarted under the same id: they are gone); their users.
    pub(crate) fn forget_earlier_runs(&mut self, remote: &RemoteConn) -> Vec<UserId> {
        let stale: Vec<RemoteConn> = self
            .remote
            .keys()
            .filter(|r| r.node == remote.node && r.incarnation != remote.incarnation)
            .cloned()
            .collect();
        stale
            .iter()
            .filter_map(|key| self.remote.remove(key))
            .collect()
    }

    pub(crate) fn has_remote(&self) -> bool {
        !self.remote.is_empty()
    }

    /// Forgets the remote connections of `user` (kicked or banned: their
    /// replicas close them on seeing the event).
    pub(crate) fn forget_user(&mut self, user: UserId) {
        self.remote.retain(|_, u| *u != user);
    }

    /// Forgets the connections on nodes `nodes` says are dead; their users.
    pub(crate) fn forget_dead(&mut self, nodes: &Liveness) -> Vec<UserId> {
        let dead: Vec<RemoteConn> = self
            .remote
            .keys()
            .filter(|r| nodes.is_dead(&r.node))
            .cloned()
            .collect();
        dead.iter()
            .filter_map(|key| self.remote.remove(key))
            .collect()
    }

    /// A clean stop: what is in the outbox is written, then the lease is
    /// released so another replica may claim the room at once.
    pub(crate) async fn finish(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.outbox, closed));
        if let Some(task) = self.outbox_task.take() {
            let limit = self.replicas.cluster.config.retry_for;
            let _ = tokio::time::timeout(limit, task).await;
        }
        let lease = self.lease.lease().clone();
        if let Err(e) = self.replicas.cluster.room_writers.release(&lease).await {
            tracing::warn!(room = lease.resource, "writer lease not released: {e}");
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(task) = &self.outbox_task {
            task.abort();
        }
    }
}

/// Writes the outbox in order, each write retried until it lands; stops
/// at the first fenced one (another replica writes the room now).
async fn run_outbox(replicas: Replicas, lease: Lease, mut rx: mpsc::Receiver<Out>) {
    let mut answers = 0u64;
    while let Some(out) = rx.recv().await {
        loop {
            let result = match &out {
                Out::Event { seq, payload } => {
                    let bus = &replicas.cluster.bus;
                    bus.append(&lease, *seq, payload.clone()).await
                }
                Out::Answer { node, payload } => {
                    let inbox = inbox_of(&lease.resource, node);
                    let id = format!("{}.{answers}", lease.epoch);
                    let queue = &replicas.cluster.commands;
                    queue
                        .forward(&inbox, &id, payload.clone())
                        .await
                        .map(|_| ())
                }
                Out::Ack { id } => replicas.cluster.commands.ack(&lease, id).await,
            };
            match result {
                Ok(()) => break,
                Err(ClusterError::Fenced { .. }) => {
                    tracing::info!(room = lease.resource, "room writer fenced: outbox stops");
                    return;
                }
                Err(e) => {
                    tracing::warn!(room = lease.resource, "room write failed, retrying: {e}");
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
            }
        }
        if matches!(out, Out::Answer { .. }) {
            answers += 1;
        }
    }
}

/// Hands the room's forwarded commands to its actor, in queue order.
async fn read_commands(
    mut reader: Box<dyn CommandReader>,
    room: String,
    inbox: mpsc::Sender<ToRoom>,
) {
    reader.follow(&room);
    loop {
        let commands: Vec<ForwardedCommand> = match reader.next(READ_WAIT).await {
            Ok(commands) => commands,
            Err(e) => {
                tracing::warn!(room, "reading forwarded commands failed: {e}");
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        for command in commands {
            if inbox.send(ToRoom::Forwarded(command)).await.is_err() {
                return;
            }
        }
        if inbox.is_closed() {
            return;
        }
    }
}
