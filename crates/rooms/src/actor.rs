//! The room actor: one task owns a room, applies commands in order,
//! persists durable events, then fans them out.

use std::sync::Arc;
use std::time::Duration;

use cluster::{ForwardedCommand, Liveness};

use room::{
    Actor, AppliedRequest, EventKind, Join, Leave, Receipt, Resume, Room, RoomCommand, RoomError,
    RoomEvent, UserId,
};
use store::{RoomId, Stamp, Store, WriterFence};
use tokio::sync::{mpsc, oneshot};
use wire::{pb, ServerMessage};

use crate::clock::now_ms;
use crate::fanout::{Closing, ConnId, Fanout, Link, Members};
use crate::outgoing::{Outgoing, Shared};
use crate::persist::{write_batch, Batch};
use crate::registry::Rooms;
use crate::writer::Writer;

/// Messages an actor may have waiting.
pub(crate) const INBOX: usize = 1024;

/// How long a room with nobody connected stays loaded.
const IDLE: Duration = Duration::from_secs(60);

/// Seqs reserved in storage at a time. Before an event above the stored
/// seq goes out, the stored seq is raised this far past it, so a room
/// loaded again (after a crash too) starts above every seq it ever sent,
/// stored or not (danmaku, presence): a client resuming from before gets a
/// fresh welcome, never events it would confuse with ones it saw. A
/// brand-new room starts at its own seq; a reloaded one at most this far
/// above the last seq it sent.
const SEQ_BLOCK: u64 = 1_000;

/// The pause between tries of a seq reservation that storage refused.
const RESERVE_RETRY: Duration = Duration::from_millis(500);

/// A reply to one caller.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, RoomError>>;

/// A query run inside the actor with the room and the time.
pub(crate) type ReadFn = Box<dyn FnOnce(&Room, i64) + Send>;

/// What to do with a command's outcome, inside the actor, once its events
/// are out (it may read the room as the command left it).
pub(crate) type ThenFn = Box<dyn FnOnce(Result<Receipt, RoomError>, &Room) + Send>;

/// What can be asked of a room actor.
pub(crate) enum ToRoom {
    /// A connection enters (its `join`).
    Connect(Box<Connect>),
    /// A command from a connection; answered in its queue.
    Command {
        conn: ConnId,
        user: UserId,
        command: RoomCommand,
        request_id: String,
    },
    /// A connection closed.
    Disconnect { conn: ConnId },
    /// A command from the HTTP API or the server itself.
    Apply {
        actor: Actor,
        command: RoomCommand,
        then: ThenFn,
    },
    /// A read of the room's state.
    Read(ReadFn),
    /// The account was banned from the site: close its connections.
    Expel { user: UserId },
    /// A command another replica forwarded to this room's writer.
    Forwarded(ForwardedCommand),
    /// Which nodes live, from a listing that can be trusted (for a
    /// writer: members on dead replicas leave).
    Nodes(Arc<Liveness>),
}

/// A connection's `join`.
pub(crate) struct Connect {
    pub(crate) conn: ConnId,
    pub(crate) user: UserId,
    pub(crate) name: String,
    pub(crate) guest: bool,
    pub(crate) password_ok: bool,
    pub(crate) last_seq: Option<u64>,
    pub(crate) link: Link,
    /// The first messages of the connection (welcome, or resumed and the
    /// missed events), or why it may not enter.
    pub(crate) reply: Reply<Vec<Shared>>,
}

/// One loaded room.
pub(crate) struct RoomActor {
    pub(crate) id: RoomId,
    pub(crate) room: Room,
    pub(crate) store: Store,
    pub(crate) rooms: Rooms,
    pub(crate) inbox: mpsc::Receiver<ToRoom>,
    /// Where the room's messages go (see [`Members`]).
    pub(crate) members: Box<dyn Members>,
    /// In a cluster: the writer lease and the way to the other replicas.
    pub(crate) writer: Option<Writer>,
    /// A write failed: the next checkpoint saves the whole room.
    dirty: bool,
    /// The seq stored for the room: no event above it has gone out.
    reserved: u64,
    /// In a cluster: the writer fence taken in storage when the room was
    /// loaded; every write names it.
    fence: Option<WriterFence>,
    /// Storage refused a write under the fence: another replica writes
    /// the room now, and this actor stops as when its lease is lost.
    pub(crate) deposed: bool,
}

impl RoomActor {
    pub(crate) fn new(
        id: RoomId,
        room: Room,
        store: Store,
        rooms: Rooms,
        inbox: mpsc::Receiver<ToRoom>,
    ) -> RoomActor {
        RoomActor {
            id,
            reserved: room.seq(),
            room,
            store,
            rooms,
            inbox,
            members: Box::new(Fanout::default()),
            writer: None,
            dirty: false,
            fence: None,
            deposed: false,
        }
    }

    /// The actor of a room this replica writes in a cluster, under the
    /// writer fence it took before loading the room.
    pub(crate) fn with_writer(mut self, writer: Writer, fence: WriterFence) -> RoomActor {
        self.writer = Some(writer);
        self.fence = Some(fence);
        self
    }

    pub(crate) async fn run(mut self) {
        let mut fenced = false;
        loop {
            let deadline = self.room.poll_timeout();
            let idle =
                self.members.is_empty() && !self.writer.as_ref().is_some_and(Writer::has_remote);
            tokio::select! {
                why = lease_lost(&mut self.writer) => {
                    tracing::warn!(room = self.id.as_str(), ?why, "room writer lease lost: writer stops");
                    self.members.close_all(Closing::TooSlow);
                    self.rooms.retire_now(&self.id, &mut self.inbox);
                    fenced = true;
                    break;
                }
                message = self.inbox.recv() => match message {
                    Some(message) => self.handle(message).await,
                    None => break,
                },
                () = sleep_until_ms(deadline), if deadline.is_some() => {
                    self.room.handle_timeout(now_ms());
                    self.flush().await;
                }
                () = tokio::time::sleep(IDLE), if idle => {
                    if self.rooms.retire(&self.id, &mut self.inbox) {
                        break;
                    }
                }
            }
            if self.deposed {
                tracing::warn!(
                    room = self.id.as_str(),
                    "room writer fenced in storage: writer stops"
                );
                self.members.close_all(Closing::TooSlow);
                self.rooms.retire_now(&self.id, &mut self.inbox);
                fenced = true;
                break;
            }
            if self.room.is_closed() {
                self.members.close_all(Closing::RoomClosed);
                self.rooms.retire_now(&self.id, &mut self.inbox);
                break;
            }
        }
        if fenced {
            // Another replica may write the room now: nothing more is stored.
            return;
        }
        self.drain_after_retire().await;
        self.checkpoint().await;
        if let Some(writer) = self.writer.take() {
            writer.finish().await;
        }
    }

    async fn handle(&mut self, message: ToRoom) {
        let now = now_ms();
        match message {
            ToRoom::Connect(connect) => self.connect(*connect, now).await,
            ToRoom::Command {
                conn,
                user,
                command,
                request_id,
            } => self.command(conn, user, command, &request_id, now).await,
            ToRoom::Disconnect { conn } => {
                if let Some(user) = self.members.remove(conn) {
                    self.leave(user, now);
                    self.flush().await;
                }
            }
            ToRoom::Apply {
                actor,
                command,
                then,
            } => {
                let result = self.room.handle_command(actor, command, now);
                self.flush().await;
                // Not stored: the caller hears "unavailable" and may retry.
                if !self.deposed {
                    then(result, &self.room);
                }
            }
            ToRoom::Read(read) => read(&self.room, now),
            ToRoom::Expel { user } => {
                self.members.close_user(user, Closing::Banned);
                // The room counts the user's connections; each one leaves.
                while self.room.member(user).is_some_and(|m| m.online) {
                    if self
                        .room
                        .handle_command(Actor::User(user), RoomCommand::from(Leave), now)
                        .is_err()
                    {
                        break;
                    }
                }
                self.flush().await;
            }
            ToRoom::Forwarded(command) => self.forwarded(command, now).await,
            ToRoom::Nodes(nodes) => self.forget_dead_nodes(&nodes, now).await,
        }
    }

    async fn connect(&mut self, c: Connect, now: i64) {
        let join = Join {
            name: c.name,
            guest: c.guest,
            password_ok: c.password_ok,
        };
        if let Err(refused) = self
            .room
            .handle_command(Actor::User(c.user), join.into(), now)
        {
            let _ = c.reply.send(Err(refused));
            return;
        }
        self.flush().await;
        let first = self.first_messages(c.user, c.last_seq, now);
        if c.reply.send(Ok(first)).is_ok() {
            self.members.add(c.conn, c.link);
        } else {
            self.leave(c.user, now);
            self.flush().await;
        }
    }

    /// A welcome, or `resumed` and exactly the events missed.
    pub(crate) fn first_messages(
        &self,
        user: UserId,
        last_seq: Option<u64>,
        now: i64,
    ) -> Vec<Shared> {
        let resume = last_seq.map(|seq| self.room.resume(seq));
        let Some(Resume::Events(missed)) = resume else {
            let welcome = ServerMessage::welcome(&self.room.snapshot(now), user);
            return vec![Outgoing::new(welcome)];
        };
        let resumed = pb::Resumed {
            user_id: user.0,
            missed: missed.len() as u64,
        };
        let last_seq = last_seq.unwrap_or_default();
        let mut first = vec![Outgoing::new(ServerMessage::new(last_seq, now, resumed))];
        first.extend(
            missed
                .iter()
                .map(|event| Outgoing::new(ServerMessage::from(event))),
        );
        first
    }

    async fn command(
        &mut self,
        conn: ConnId,
        user: UserId,
        command: RoomCommand,
        request_id: &str,
        now: i64,
    ) {
        let result = self.room.handle_command(Actor::User(user), command, now);
        self.flush().await;
        if self.deposed {
            // Not stored: no ack; the member resumes on the next writer
            // and retries there.
            return;
        }
        let reply = match result {
            Ok(receipt) => {
                ServerMessage::new(self.room.seq(), now, pb::Ack::new(&receipt, request_id))
            }
            Err(refused) => {
                let error = pb::ErrorReply::from(&refused).with_request_id(Some(request_id));
                ServerMessage::new(self.room.seq(), now, error)
            }
        };
        if let Some(user) = self.members.send_to(conn, &Outgoing::new(reply)) {
            self.leave(user, now);
            self.flush().await;
        }
    }

    /// One connection of `user` closed (or was cut off).
    pub(crate) fn leave(&mut self, user: UserId, now: i64) {
        let result = self
            .room
            .handle_command(Actor::User(user), RoomCommand::from(Leave), now);
        if let Err(e) = result {
            // Kicked or banned members are no longer members: nothing to do.
            tracing::debug!(room = self.id.as_str(), %user, "leave: {e}");
        }
    }

    /// Drains the room's events: store them (with the request ids applied
    /// with them, in one transaction), then send them to everyone. Once
    /// storage has refused this writer, nothing more goes out.
    pub(crate) async fn flush(&mut self) {
        while !self.deposed {
            let events: Vec<RoomEvent> = std::iter::from_fn(|| self.room.poll_event()).collect();
            let requests: Vec<AppliedRequest> =
                std::iter::from_fn(|| self.room.poll_applied_request()).collect();
            if events.is_empty() && requests.is_empty() {
                break;
            }
            if let Some(last) = events.last().filter(|e| e.seq > self.reserved) {
                self.reserve(last.seq).await;
            }
            self.persist(Batch {
                events: &events,
                requests,
            })
            .await;
            if self.deposed {
                return;
            }
            for event in &events {
                self.send_out(event).await;
            }
        }
        if self.dirty && !self.deposed {
            self.checkpoint().await;
        }
    }

    async fn send_out(&mut self, event: &RoomEvent) {
        let message = Outgoing::new(ServerMessage::from(event));
        if let Some(writer) = &self.writer {
            writer.publish(&message).await;
        }
        let stalled = self.members.publish(&message);
        self.close_removed(event);
        let now = now_ms();
        for user in stalled {
            self.leave(user, now);
        }
    }

    async fn persist(&mut self, batch: Batch<'_>) {
        let first = batch.events.first().map(|e| e.seq);
        let written = write_batch(&self.store, &self.id, self.fence, &self.room, batch).await;
        match written {
            Ok(()) => {}
            Err(e) if e.is_fenced() => self.deposed = true,
            Err(e) => {
                tracing::error!(
                    room = self.id.as_str(),
                    seq = first,
                    "room events not stored: {e}"
                );
                self.dirty = true;
            }
        }
    }

    /// Kicked and banned members lose their connections.
    fn close_removed(&mut self, event: &RoomEvent) {
        match event.kind {
            EventKind::MemberKicked { user, .. } => {
                self.members.close_user(user, Closing::Kicked);
            }
            EventKind::MemberBanned { user, .. } => {
                self.members.close_user(user, Closing::Banned);
            }
            _ => return,
        }
        if let (
            Some(writer),
            EventKind::MemberKicked { user, .. } | EventKind::MemberBanned { user, .. },
        ) = (self.writer.as_mut(), &event.kind)
        {
            // Their replicas close them on seeing the event.
            writer.forget_user(*user);
        }
    }

    /// Stores a seq [`SEQ_BLOCK`] past `seq` before an event with `seq`
    /// goes out. A failed write is retried until storage takes it: the
    /// event waits (and the room with it) rather than go out under a seq
    /// a reloaded room could hand out again.
    async fn reserve(&mut self, seq: u64) {
        let mut attempts = 0u32;
        loop {
            let stamp = Stamp {
                seq: seq.saturating_add(SEQ_BLOCK),
                at_ms: now_ms(),
            };
            match self
                .store
                .write_room(&self.id, self.fence, stamp, &[])
                .await
            {
                Ok(()) => return self.reserved = stamp.seq,
                Err(e) if e.is_not_found() => return self.reserved = stamp.seq,
                Err(e) if e.is_fenced() => return self.deposed = true,
                Err(e) => {
                    if attempts.is_multiple_of(20) {
                        tracing::error!(
                            room = self.id.as_str(),
                            seq,
                            "seq not reserved, retrying: {e}"
                        );
                    }
                    attempts = attempts.saturating_add(1);
                    tokio::time::sleep(RESERVE_RETRY).await;
                }
            }
        }
    }

    /// Saves the whole room after a failed write, or just its seq.
    async fn checkpoint(&mut self) {
        let saved = self.room.saved();
        let now = now_ms();
        let result = if self.dirty {
            let fence = self.fence;
            self.store
                .save_room_fenced(&self.id, fence, &saved, now)
                .await
        } else {
            let stamp = Stamp {
                seq: saved.seq,
                at_ms: now,
            };
            self.store
                .write_room(&self.id, self.fence, stamp, &[])
                .await
        };
        match result {
            // The whole room was saved with its own seq: reserve again.
            Ok(()) if self.dirty => {
                self.dirty = false;
                self.reserved = saved.seq;
            }
            Ok(()) => {}
            Err(e) if e.is_not_found() => self.dirty = false,
            Err(e) if e.is_fenced() => self.deposed = true,
            Err(e) => tracing::error!(room = self.id.as_str(), "room checkpoint failed: {e}"),
        }
    }

    /// After the registry forgot this actor, messages already queued are
    /// still answered; new connections go to the next actor.
    async fn drain_after_retire(&mut self) {
        while let Ok(message) = self.inbox.try_recv() {
            match message {
                // Dropping the reply makes the connection ask the registry
                // again, which starts a new actor (or finds the room gone).
                ToRoom::Connect(_) => {}
                other => self.handle(other).await,
            }
        }
        self.members.close_all(Closing::RoomClosed);
    }
}

/// Resolves when a writer's lease is lost; never without a writer.
async fn lease_lost(writer: &mut Option<Writer>) -> cluster::LeaseLost {
    match writer {
        Some(writer) => writer.lost().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_ms(deadline: Option<i64>) {
    let Some(deadline) = deadline else {
        return std::future::pending().await;
    };
    let wait = u64::try_from(deadline - now_ms()).unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}
