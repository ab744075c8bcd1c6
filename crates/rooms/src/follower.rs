//! A room on a replica that is not its writer: the follower.
//!
//! It forwards its connections' joins, commands and leaves to the writer
//! (through the room's command queue, in order), hands each connection the
//! writer's answers (from this replica's inbox for the room), and fans the
//! room's events from the bus out to its connections in seq order. Each
//! connection carries the last seq it got; an event at or below it is not
//! sent again, and a gap it would need cuts it off with `too_slow`, so
//! the client resumes with its last seq and gets exactly what it missed.
//!
//! When the writer changes (its lease moved, expired, or its node died)
//! the follower stops: its connections are asked to resume, and the next
//! join starts the room again, claiming the writer lease if it is free.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use cluster::{BusItem, KeptLease, Lease, Liveness};
use room::{Room, UserId};
use store::{RoomId, RoomStateRepo};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wire::pb::server_message::Kind;

use crate::actor::{Connect, ThenFn, ToRoom};
use crate::clock::now_ms;
use crate::fanout::{Closing, ConnId, Link};
use crate::follower_io::{read_answers, read_bus, run_forwards, LinkTrouble};
use crate::outgoing::Shared;
use crate::registry::Rooms;
use crate::relay::{command_message, decode_message, ToConn, ToWriter};
use crate::replicas::Replicas;
use crate::writer_watch::list_nodes;

/// Bus events kept for connections that enter a little behind.
const BACKLOG: usize = 1024;

#[path = "follower_answers.rs"]
mod answers;
#[path = "follower_calls.rs"]
mod calls;
/// How long a follower with nobody connected stays loaded.
const IDLE: Duration = Duration::from_secs(60);
/// How long a join waits for the writer's answer before it is sent again.
const JOIN_RESEND: Duration = Duration::from_secs(5);
/// Forwards waiting for the link to Redis; when full, the connection or
/// route that sends the next one waits.
const FORWARDS: usize = 1024;

/// What the follower's readers bring in.
pub(crate) enum FromCluster {
    Bus(Vec<BusItem>),
    Answer(ToConn),
}

/// A connection of this replica in the room.
struct Followed {
    link: Link,
    /// The last seq it was sent.
    last: u64,
}

pub(crate) struct Follower {
    id: RoomId,
    rooms: Rooms,
    replicas: Replicas,
    inbox: mpsc::Receiver<ToRoom>,
    writer_epoch: u64,
    /// Since when the writer's lease has been missing.
    lease_missing: Option<Instant>,
    /// Which nodes live, as this node's listings say.
    liveness: Liveness,
    links: HashMap<ConnId, Followed>,
    /// Joins waiting for the writer's answer, and when each was sent.
    pending: HashMap<u64, (Connect, Instant)>,
    backlog: VecDeque<Shared>,
    /// The last seq the bus brought (or skipped, in a gap).
    seen: u64,
    forward: mpsc::Sender<(String, ToWriter)>,
    /// What the last step has for the writer, sent (waiting for room in
    /// `forward`) before the next step.
    to_forward: Vec<(String, ToWriter)>,
    forwarded: u64,
    /// HTTP routes' commands waiting for the writer's outcome, by call.
    calls: HashMap<u64, (ThenFn, Instant)>,
    /// When the link to Redis last failed (any call of this process): a
    /// missing writer is then given time to re-announce itself.
    trouble: LinkTrouble,
    from_cluster: mpsc::Receiver<FromCluster>,
    tasks: Vec<JoinHandle<()>>,
    forward_task: Option<JoinHandle<()>>,
    _inbox_lease: KeptLease,
}

impl Follower {
    /// A follower of the room whose writer holds `writer`; `inbox_lease` is
    /// this node's lease on its inbox for the room.
    pub(crate) fn start(
        rooms: Rooms,
        replicas: Replicas,
        id: RoomId,
        writer: &Lease,
        inbox_lease: Lease,
        inbox: mpsc::Receiver<ToRoom>,
    ) -> Result<Follower, cluster::ClusterError> {
        let cluster = &replicas.cluster;
        let bus = cluster.bus.reader()?;
        let answers = cluster.commands.reader()?;
        let (tx, from_cluster) = mpsc::channel(64);
        let (forward, rx) = mpsc::channel(FORWARDS);
        let tasks = vec![
            tokio::spawn(read_bus(bus, id.as_str().to_owned(), tx.clone())),
            tokio::spawn(read_answers(
                replicas.clone(),
                answers,
                inbox_lease.clone(),
                tx,
            )),
        ];
        let forward_task = tokio::spawn(run_forwards(replicas.clone(), id.as_str().to_owned(), rx));
        let kept = KeptLease::spawn(
            cluster.room_writers.clone(),
            inbox_lease,
            cluster.config.timing,
        );
        let liveness = Liveness::for_node(replicas.node.clone(), cluster.config.timing.ttl);
        Ok(Follower {
            id,
            rooms,
            replicas,
            inbox,
            writer_epoch: writer.epoch,
            lease_missing: None,
            liveness,
            links: HashMap::new(),
            pending: HashMap::new(),
            backlog: VecDeque::new(),
            seen: 0,
            forward,
            to_forward: Vec::new(),
            forwarded: 0,
            calls: HashMap::new(),
            trouble: LinkTrouble::default(),
            from_cluster,
            tasks,
            forward_task: Some(forward_task),
            _inbox_lease: kept,
        })
    }

    pub(crate) async fn run(mut self) {
        let check_every = self.replicas.cluster.config.timing.check_every;
        let mut check = tokio::time::interval(check_every);
        loop {
            let idle = self.links.is_empty() && self.pending.is_empty();
            tokio::select! {
                message = self.inbox.recv() => match message {
                    Some(message) => self.handle(message).await,
                    None => break,
                },
                Some(item) = self.from_cluster.recv() => {
                    if self.handle_cluster(item) {
                        self.rooms.retire_now(&self.id, &mut self.inbox);
                        break;
                    }
                }
                _ = check.tick() => {
                    self.resend_joins();
                    self.expire_calls();
                    if !self.writer_holds().await {
                        tracing::info!(room = self.id.as_str(), "room writer changed: follower stops");
                        self.rooms.retire_now(&self.id, &mut self.inbox);
                        break;
                    }
                }
                () = tokio::time::sleep(IDLE), if idle => {
                    if self.rooms.retire(&self.id, &mut self.inbox) {
                        break;
                    }
                }
            }
            self.send_forwards().await;
        }
        self.stop().await;
    }

    /// Whether the writer this follower started with still holds the room.
    /// Another epoch means no at once. The writer's node is judged by this
    /// node's [`Liveness`], fed a listing on every check: `Dead` means no,
    /// `Alive` or `Unsure` (Redis lost its records, or the link failed)
    /// yes. A missing lease means no, unless Redis may have lost it (a
    /// failed call within a refresh plus a check, or an untrusted
    /// listing): the holder re-creates it within a refresh, and is given
    /// that long. A failed look is a yes: a link blip only delays.
    async fn writer_holds(&mut self) -> bool {
        let cluster = &self.replicas.cluster;
        self.trouble.look(cluster.metrics.redis_errors());
        list_nodes(cluster, &mut self.liveness).await;
        let node = match cluster.room_writers.holder(self.id.as_str()).await {
            Ok(Some(info)) if info.lease.epoch == self.writer_epoch => info.lease.node,
            Ok(Some(_)) => return false,
            Ok(None) => return self.lease_missing_within_grace(),
            Err(_) => return true,
        };
        self.lease_missing = None;
        !self.liveness.is_dead(&node)
    }

    /// Whether a missing writer lease is still given time to come back.
    fn lease_missing_within_grace(&mut self) -> bool {
        let timing = self.replicas.cluster.config.timing;
        let since = *self.lease_missing.get_or_insert_with(Instant::now);
        let grace = timing.refresh_every + timing.check_every;
        // With a healthy link, a lease gone is a death (its TTL ran out):
        // the room is taken over at once.
        let lost_maybe = self.trouble.within(grace) || !self.liveness.is_trusted();
        lost_maybe && since.elapsed() <= grace
    }

    async fn handle(&mut self, message: ToRoom) {
        match message {
            ToRoom::Connect(connect) => {
                let c = *connect;
                self.send_join(&c);
                self.pending.insert(c.conn.raw(), (c, Instant::now()));
            }
            ToRoom::Command {
                conn,
                user,
                command,
                request_id,
            } => self.command(conn, user, &command, &request_id),
            ToRoom::Disconnect { conn } => {
                let known = self.links.remove(&conn).is_some();
                if known || self.pending.remove(&conn.raw()).is_some() {
                    self.leave(conn);
                }
            }
            ToRoom::Read(read) => self.read(read).await,
            ToRoom::Apply {
                actor: room::Actor::System,
                command:
                    room::RoomCommand::LiveStarted(_)
                    | room::RoomCommand::LiveEnded(_)
                    | room::RoomCommand::ViewerCount(_),
                ..
            } => {
                // Live news: the writer learns it from the stream lease.
            }
            ToRoom::Apply {
                actor,
                command,
                then,
            } => self.forward_apply(actor, &command, then),
            ToRoom::Expel { user } => {
                for conn in self.close_user(user, Closing::Banned) {
                    self.leave(conn);
                }
            }
            ToRoom::Forwarded(_) | ToRoom::Nodes(_) => {}
        }
    }

    fn send_join(&mut self, c: &Connect) {
        let join = ToWriter::Join {
            node: self.replicas.node.clone(),
            incarnation: self.replicas.incarnation,
            conn: c.conn.raw(),
            user: c.user.0,
            name: c.name.clone(),
            guest: c.guest,
            password_ok: c.password_ok,
            last_seq: c.last_seq,
        };
        self.forwarded += 1;
        self.send_writer(join, format!("join:{}:{}", c.conn.raw(), self.forwarded));
    }

    /// Asks again for the answers to joins that got none (Redis may have
    /// lost the answer); the writer answers a connection it knows again
    /// without joining it twice.
    fn resend_joins(&mut self) {
        let late: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, (_, sent))| sent.elapsed() > JOIN_RESEND)
            .map(|(conn, _)| *conn)
            .collect();
        for conn in late {
            let Some((c, _)) = self.pending.remove(&conn) else {
                continue;
            };
            self.send_join(&c);
            self.pending.insert(conn, (c, Instant::now()));
        }
    }

    fn command(&mut self, conn: ConnId, user: UserId, command: &room::RoomCommand, request: &str) {
        if !self.links.contains_key(&conn) {
            return;
        }
        let Some(message) = command_message(command) else {
            tracing::warn!(
                room = self.id.as_str(),
                "not a member command: not forwarded"
            );
            return;
        };
        self.forwarded += 1;
        // Unique per forward: a retried forward of this one is queued once,
        // while a client's own retry reaches the room, which answers it as
        // a replay (the core remembers request ids).
        let request_id = format!("{}:c{}", conn.raw(), self.forwarded);
        let command = ToWriter::Command {
            node: self.replicas.node.clone(),
            incarnation: self.replicas.incarnation,
            conn: conn.raw(),
            user: user.0,
            request_id: request.to_owned(),
            message,
        };
        self.send_writer(command, request_id);
    }

    /// Reads run on the room as storage has it (the writer stores every
    /// durable event before anyone sees it).
    async fn read(&mut self, read: crate::actor::ReadFn) {
        match self.rooms.store().load_room(&self.id).await {
            Ok(saved) => {
                let room = Room::restore(saved, self.rooms.config().limits.clone());
                read(&room, now_ms());
            }
            Err(e) => tracing::warn!(room = self.id.as_str(), "room read failed: {e}"),
        }
    }

    fn leave(&mut self, conn: ConnId) {
        let leave = ToWriter::Leave {
            node: self.replicas.node.clone(),
            incarnation: self.replicas.incarnation,
            conn: conn.raw(),
        };
        self.send_writer(leave, format!("leave:{}", conn.raw()));
    }

    /// Queues `message` for the writer; it is sent after this step.
    fn send_writer(&mut self, message: ToWriter, request_id: String) {
        let request_id = format!(
            "{}:{}:{}:{request_id}",
            self.replicas.node, self.replicas.incarnation, self.writer_epoch
        );
        self.to_forward.push((request_id, message));
    }

    /// Hands this step's forwards to the forwarding task, waiting while
    /// its queue is full (the link is slow): the next step, and so the
    /// connections sending to this room, wait with it.
    async fn send_forwards(&mut self) {
        for forward in std::mem::take(&mut self.to_forward) {
            // The forwarding task lives as long as the follower.
            if self.forward.send(forward).await.is_err() {
                return;
            }
        }
    }

    /// One item from the readers; true when the follower must stop (the
    /// room closed, or another writer answers).
    fn handle_cluster(&mut self, item: FromCluster) -> bool {
        match item {
            FromCluster::Answer(answer) if answer.epoch < self.writer_epoch => false,
            // For an earlier run of this replica (left in its inbox).
            FromCluster::Answer(answer)
                if answer.incarnation != 0 && answer.incarnation != self.replicas.incarnation =>
            {
                false
            }
            FromCluster::Answer(answer) if answer.epoch > self.writer_epoch => {
                // A newer writer: a connection let in now would be cut at
                // the next check. Pending joins go to the next follower
                // instead. (Answers of older writers are left over: dropped.)
                tracing::info!(
                    room = self.id.as_str(),
                    "another room writer answers: follower stops"
                );
                true
            }
            FromCluster::Answer(answer) => {
                self.answer(answer);
                false
            }
            FromCluster::Bus(items) => items.into_iter().any(|item| self.bus_item(item)),
        }
    }

    /// Sends a connection the kept events after its last seq; cuts it off
    /// if some of them are no longer kept.
    fn catch_up(&mut self, conn: ConnId) {
        let Some(last) = self.links.get(&conn).map(|f| f.last) else {
            return;
        };
        if self.seen <= last {
            return;
        }
        let kept_from = self.backlog.front().map_or(u64::MAX, |m| m.seq());
        if kept_from > last + 1 {
            return self.cut(conn, Closing::TooSlow);
        }
        let missed: Vec<Shared> = self
            .backlog
            .iter()
            .filter(|m| m.seq() > last)
            .cloned()
            .collect();
        for message in missed {
            self.send_to(conn, &message);
        }
    }

    /// One bus item; true when the room closed.
    fn bus_item(&mut self, item: BusItem) -> bool {
        match item {
            BusItem::Gap { from, to, .. } => {
                tracing::info!(
                    room = self.id.as_str(),
                    from,
                    to,
                    "room events missed on the bus"
                );
                self.backlog.clear();
                self.seen = self.seen.max(to);
                let behind: Vec<ConnId> = self
                    .links
                    .iter()
                    .filter(|(_, f)| f.last < to)
                    .map(|(id, _)| *id)
                    .collect();
                for conn in behind {
                    self.cut(conn, Closing::TooSlow);
                }
                false
            }
            BusItem::Event(event) => {
                self.seen = self.seen.max(event.seq);
                let Some(message) = decode_message(&event.payload) else {
                    tracing::warn!(
                        room = self.id.as_str(),
                        seq = event.seq,
                        "malformed room event"
                    );
                    return false;
                };
                // How late events reach this replica's members.
                let lag = now_ms().saturating_sub(message.message().server_time_ms);
                let lag = u64::try_from(lag).unwrap_or(0);
                self.replicas.cluster.metrics.bus_lag_ms.set(lag);
                self.publish(&message)
            }
        }
    }

    /// Sends an event to the connections that have not had it; true when
    /// it closed the room.
    fn publish(&mut self, message: &Shared) -> bool {
        let conns: Vec<ConnId> = self
            .links
            .iter()
            .filter(|(_, f)| f.last < message.seq())
            .map(|(id, _)| *id)
            .collect();
        for conn in conns {
            self.send_to(conn, message);
        }
        self.backlog.push_back(message.clone());
        if self.backlog.len() > BACKLOG {
            self.backlog.pop_front();
        }
        match &message.message().kind {
            Some(Kind::MemberKicked(m)) => {
                self.close_user(UserId(m.user_id), Closing::Kicked);
            }
            Some(Kind::MemberBanned(m)) => {
                self.close_user(UserId(m.user_id), Closing::Banned);
            }
            Some(Kind::RoomClosed(_)) => {
                for (_, followed) in self.links.drain() {
                    let _ = followed.link.close.send(Closing::RoomClosed);
                }
                return true;
            }
            _ => {}
        }
        false
    }

    fn send_to(&mut self, conn: ConnId, message: &Shared) {
        let Some(followed) = self.links.get_mut(&conn) else {
            return;
        };
        if followed.link.queue.try_send(message.clone()).is_err() {
            return self.cut(conn, Closing::TooSlow);
        }
        // An ack or error carries the room's seq but is no event: the
        // event it refers to may still be on its way.
        if message.message().is_event() {
            followed.last = followed.last.max(message.seq());
        }
    }

    /// Ends a connection the room still counts: the writer is told.
    fn cut(&mut self, conn: ConnId, closing: Closing) {
        if let Some(followed) = self.links.remove(&conn) {
            let _ = followed.link.close.send(closing);
            self.leave(conn);
        }
    }

    /// Closes the connections of `user`; their ids.
    fn close_user(&mut self, user: UserId, closing: Closing) -> Vec<ConnId> {
        let conns: Vec<ConnId> = self
            .links
            .iter()
            .filter(|(_, f)| f.link.user == user)
            .map(|(id, _)| *id)
            .collect();
        for conn in &conns {
            if let Some(followed) = self.links.remove(conn) {
                let _ = followed.link.close.send(closing);
            }
        }
        conns
    }

    /// The follower ends: its connections are asked to resume (elsewhere,
    /// or here under the next writer), the writer is told they left, and
    /// what is waiting to be forwarded is sent.
    async fn stop(&mut self) {
        while let Ok(message) = self.inbox.try_recv() {
            match message {
                ToRoom::Connect(_) => {}
                other => self.handle(other).await,
            }
        }
        let conns: Vec<ConnId> = self.links.keys().copied().collect();
        for conn in conns {
            self.cut(conn, Closing::TooSlow);
        }
        let pending: Vec<ConnId> = self.pending.values().map(|(c, _)| c.conn).collect();
        self.pending.clear();
        for conn in pending {
            self.leave(conn);
        }
        self.send_forwards().await;
        // Routes still waiting are told the room is unavailable now (their
        // command may yet be applied: a retry with its request id is safe).
        self.calls.clear();
        for task in self.tasks.drain(..) {
            task.abort();
        }
        let (closed, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.forward, closed));
        if let Some(task) = self.forward_task.take() {
            let limit = self.replicas.cluster.config.retry_for;
            let _ = tokio::time::timeout(limit, task).await;
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        if let Some(task) = &self.forward_task {
            task.abort();
        }
    }
}
