//! Finds a room's actor, starting it from storage on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use cluster::{Claim, Lease};
use room::{Room, RoomLimits};
use store::{RoomId, RoomStateRepo, Store};
use tokio::sync::{mpsc, oneshot, OnceCell};

use crate::actor::{ReadFn, RoomActor, ThenFn, ToRoom, INBOX};
use crate::audience::Audience;
use crate::follower::Follower;
use crate::follower_io::claim_inbox;
use crate::live_events::{commands_for, LiveStatus};
use crate::replicas::Replicas;
use crate::writer::Writer;
use crate::RoomsError;

/// A cluster failure as callers see it: the room is not available now.
fn unavailable(e: cluster::ClusterError) -> RoomsError {
    tracing::warn!("room not started: {e}");
    RoomsError::Unavailable
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;

type Cell = Arc<OnceCell<mpsc::Sender<ToRoom>>>;

/// How rooms run.
#[derive(Debug, Clone)]
pub struct RoomsConfig {
    /// Messages a connection may have waiting before it is cut off.
    pub queue_messages: usize,
    /// The bounds of every room.
    pub limits: RoomLimits,
    /// How long a new connection may take to send its `join`.
    pub join_timeout: Duration,
    /// How long a member may send nothing (clients send a heartbeat every
    /// 30 s) before its connection is dropped.
    pub silence_timeout: Duration,
}

impl Default for RoomsConfig {
    fn default() -> RoomsConfig {
        RoomsConfig {
            queue_messages: 512,
            limits: RoomLimits::default(),
            join_timeout: Duration::from_secs(10),
            silence_timeout: Duration::from_secs(95),
        }
    }
}

/// The running room actors of this process.
#[derive(Debug, Clone)]
pub struct Rooms {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    config: RoomsConfig,
    running: Mutex<HashMap<RoomId, Cell>>,
    /// Set by the live bridge ([`crate::watch_live`]).
    live_status: OnceLock<Arc<dyn LiveStatus>>,
    /// In a cluster: rooms have one writer among the replicas.
    replicas: Option<Replicas>,
}

impl Rooms {
    pub fn new(store: Store, config: RoomsConfig) -> Rooms {
        Rooms {
            inner: Arc::new(Inner {
                store,
                config,
                running: Mutex::new(HashMap::new()),
                live_status: OnceLock::new(),
                replicas: None,
            }),
        }
    }

    /// Rooms of one replica among several: each room runs on the replica
    /// holding its writer lease, and is followed on the others.
    /// Must be called inside a Tokio runtime: it starts this replica's
    /// reader of site-wide messages (`site`).
    pub fn clustered(store: Store, config: RoomsConfig, replicas: Replicas) -> Rooms {
        let rooms = Rooms {
            inner: Arc::new(Inner {
                store,
                config,
                running: Mutex::new(HashMap::new()),
                live_status: OnceLock::new(),
                replicas: Some(replicas.clone()),
            }),
        };
        tokio::spawn(crate::site::run_inbox(rooms.clone(), replicas));
        rooms
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration rooms run with.
    pub fn config(&self) -> &RoomsConfig {
        &self.inner.config
    }

    /// Sends `message` to the room's actor, starting it if needed.
    pub(crate) async fn send(&self, id: &RoomId, message: ToRoom) -> Result<(), RoomsError> {
        let mut message = message;
        for _ in 0..3 {
            let (cell, sender) = self.actor(id).await?;
            match sender.send(message).await {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(back)) => {
                    message = back;
                    self.forget(id, &cell);
                }
            }
        }
        Err(RoomsError::Unavailable)
    }

    /// Applies `command` as `actor` and waits for the answer.
    pub async fn apply(
        &self,
        id: &RoomId,
        actor: room::Actor,
        command: room::RoomCommand,
    ) -> Result<room::Receipt, RoomsError> {
        self.apply_then(id, actor, command, |_| ())
            .await
            .map(|(receipt, ())| receipt)
    }

    /// Applies `command` as `actor`; on success, `read` looks at the room
    /// as the command left it.
    pub async fn apply_then<T: Send + 'static>(
        &self,
        id: &RoomId,
        actor: room::Actor,
        command: room::RoomCommand,
        read: impl FnOnce(&Room) -> T + Send + 'static,
    ) -> Result<(room::Receipt, T), RoomsError> {
        let (reply, answer) = oneshot::channel();
        let then: ThenFn = Box::new(move |result, room| {
            let _ = reply.send(result.map(|receipt| (receipt, read(room))));
        });
        let message = ToRoom::Apply {
            actor,
            command,
            then,
        };
        self.send(id, message).await?;
        Ok(answer.await.map_err(|_| RoomsError::Unavailable)??)
    }

    /// Runs `read` inside the room's actor and returns its answer.
    pub async fn read<T: Send + 'static>(
        &self,
        id: &RoomId,
        read: impl FnOnce(&Room, i64) -> T + Send + 'static,
    ) -> Result<T, RoomsError> {
        let (tx, rx) = oneshot::channel();
        let read: ReadFn = Box::new(move |room, now| {
            let _ = tx.send(read(room, now));
        });
        self.send(id, ToRoom::Read(read)).await?;
        rx.await.map_err(|_| RoomsError::Unavailable)
    }

    /// The actor of a room that is running now, if any (never starts one).
    #[cfg(test)]
    pub(crate) fn running(&self, id: &RoomId) -> Option<mpsc::Sender<ToRoom>> {
        let running = self.lock();
        running.get(id).and_then(|cell| cell.get().cloned())
    }

    /// Sends a command to the room if it is loaded (or loading), waiting
    /// for room in its inbox; a room that is not loaded is left alone (it
    /// reads the live status when it loads). The live engine's news.
    pub async fn tell(&self, id: &RoomId, actor: room::Actor, command: room::RoomCommand) {
        if !self.lock().contains_key(id) {
            return;
        }
        let message = ToRoom::Apply {
            actor,
            command,
            then: Box::new(|_, _| ()),
        };
        if self.send(id, message).await.is_err() {
            tracing::debug!(room = id.as_str(), "room gone: live news not delivered");
        }
    }

    /// Where rooms that load learn whether their stream is live.
    /// In a cluster, where the rooms' writers read their viewer counts
    /// (the stage accounting); set once, later calls are ignored.
    /// Standalone it is not needed: the live bridge tells the counts.
    pub fn set_audience(&self, audience: Arc<dyn Audience>) {
        if let Some(replicas) = &self.inner.replicas {
            let _ = replicas.audience.set(audience);
        }
    }

    pub(crate) fn set_live_status(&self, status: Arc<dyn LiveStatus>) {
        let _ = self.inner.live_status.set(status);
    }

    /// Closes a deleted room if it is loaded: its members are told and
    /// their connections closed. Waits for room in a busy actor's inbox
    /// rather than dropping the close.
    pub async fn close(&self, id: &RoomId) {
        let Some(cell) = self.lock().get(id).cloned() else {
            return;
        };
        // A start under way ends first, so the actor it makes is closed too.
        let sender = match cell.get_or_try_init(|| self.start(id)).await {
            Ok(sender) => sender.clone(),
            Err(_) => return self.forget(id, &cell),
        };
        let message = ToRoom::Apply {
            actor: room::Actor::System,
            command: room::Close.into(),
            then: Box::new(|_, _| ()),
        };
        if sender.send(message).await.is_err() {
            // The actor stopped meanwhile: nobody was connected.
            tracing::debug!(room = id.as_str(), "closed room already unloaded");
        }
    }

    /// Closes every connection of `user` in every room (a site ban): in
    /// the rooms loaded here and, in a cluster, on every other replica.
    pub async fn expel_everywhere(&self, user: room::UserId) {
        self.expel_here(user).await;
        if let Some(replicas) = &self.inner.replicas {
            let message = crate::site::ToSite::Expel { user: user.0 };
            crate::site::tell_others(replicas, &message).await;
        }
    }

    /// Closes every connection of `user` in every room loaded here,
    /// waiting for room in busy actors' inboxes.
    pub(crate) async fn expel_here(&self, user: room::UserId) {
        let senders: Vec<mpsc::Sender<ToRoom>> = self
            .lock()
            .values()
            .filter_map(|cell| cell.get().cloned())
            .collect();
        for sender in senders {
            // An actor that stopped meanwhile has no connection left.
            let _ = sender.send(ToRoom::Expel { user }).await;
        }
    }

    /// The ids of the rooms running now.
    pub fn running_ids(&self) -> Vec<RoomId> {
        self.lock().keys().cloned().collect()
    }

    async fn actor(&self, id: &RoomId) -> Result<(Cell, mpsc::Sender<ToRoom>), RoomsError> {
        let cell = self.lock().entry(id.clone()).or_default().clone();
        let started = cell.get_or_try_init(|| self.start(id)).await;
        match started {
            Ok(sender) => Ok((cell.clone(), sender.clone())),
            Err(e) => {
                self.forget(id, &cell);
                Err(e)
            }
        }
    }

    async fn start(&self, id: &RoomId) -> Result<mpsc::Sender<ToRoom>, RoomsError> {
        let Some(replicas) = self.inner.replicas.clone() else {
            return self.start_writer(id, None).await;
        };
        let node = replicas.node.clone();
        let claim = replicas
            .cluster
            .room_writers
            .claim(id.as_str(), &node, &node);
        match claim.await.map_err(unavailable)? {
            Claim::Granted(lease) => self.start_writer(id, Some((replicas, lease))).await,
            Claim::Held(holder) => {
                let inbox_lease = claim_inbox(&replicas, id.as_str())
                    .await
                    .map_err(unavailable)?;
                let (tx, rx) = mpsc::channel(INBOX);
                let follower = Follower::start(
                    self.clone(),
                    replicas,
                    id.clone(),
                    &holder.lease,
                    inbox_lease,
                    rx,
                )
                .map_err(unavailable)?;
                tokio::spawn(follower.run());
                tracing::debug!(
                    room = id.as_str(),
                    writer = holder.lease.node,
                    "room followed"
                );
                Ok(tx)
            }
        }
    }

    /// Runs the room here; in a cluster, under `writer`'s lease.
    async fn start_writer(
        &self,
        id: &RoomId,
        writer: Option<(Replicas, Lease)>,
    ) -> Result<mpsc::Sender<ToRoom>, RoomsError> {
        // The stored seq is above every seq sent before (see the actor's
        // `SEQ_BLOCK`): the room continues from it.
        // A writer takes the room's fence in storage before loading it:
        // what an earlier writer stored until then is loaded, and anything
        // it tries to store after is refused.
        let fence = match &writer {
            Some((replicas, lease)) => match self.inner.store.take_writer_fence(id).await {
                Ok(fence) => Some(fence),
                Err(e) => {
                    let _ = replicas.cluster.room_writers.release(lease).await;
                    return Err(e.into());
                }
            },
            None => None,
        };
        let saved = self.inner.store.load_room(id).await?;
        let room = Room::restore(saved, self.inner.config.limits.clone());
        let (tx, rx) = mpsc::channel(INBOX);
        self.tell_live_status(id, &tx);
        let mut actor =
            RoomActor::new(id.clone(), room, self.inner.store.clone(), self.clone(), rx);
        if let (Some((replicas, lease)), Some(fence)) = (writer, fence) {
            match Writer::start(replicas.clone(), lease.clone(), tx.clone()) {
                Ok(writer) => actor = actor.with_writer(writer, fence),
                Err(e) => {
                    let _ = replicas.cluster.room_writers.release(&lease).await;
                    return Err(unavailable(e));
                }
            }
        }
        tokio::spawn(actor.run());
        tracing::debug!(room = id.as_str(), "room loaded");
        Ok(tx)
    }

    /// A loading room's first messages: its stream's state now, so that a
    /// room loaded after its stream started (or ended) knows it.
    fn tell_live_status(&self, id: &RoomId, inbox: &mpsc::Sender<ToRoom>) {
        let Some(status) = self.inner.live_status.get() else {
            return;
        };
        for command in commands_for(status.viewers(id.as_str())) {
            let message = ToRoom::Apply {
                actor: room::Actor::System,
                command,
                then: Box::new(|_, _| ()),
            };
            // A new inbox has room for these few.
            let _ = inbox.try_send(message);
        }
    }

    /// Called by an idle actor: forgets it unless a message is waiting.
    /// After `true`, new messages go to a new actor.
    pub(crate) fn retire(&self, id: &RoomId, inbox: &mut mpsc::Receiver<ToRoom>) -> bool {
        let mut running = self.lock();
        if !inbox.is_empty() {
            return false;
        }
        running.remove(id);
        inbox.close();
        tracing::debug!(room = id.as_str(), "idle room unloaded");
        true
    }

    /// Called by an actor whose room was closed.
    pub(crate) fn retire_now(&self, id: &RoomId, inbox: &mut mpsc::Receiver<ToRoom>) {
        self.lock().remove(id);
        inbox.close();
    }

    fn forget(&self, id: &RoomId, cell: &Cell) {
        let mut running = self.lock();
        if running.get(id).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            running.remove(id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RoomId, Cell>> {
        self.inner
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
