//! The connections of one room as its actor sees them: a bounded queue
//! each, and a way to close them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use room::UserId;
use tokio::sync::{mpsc, oneshot};

use crate::outgoing::Shared;

/// A connection, numbered for the life of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnId(u64);

impl ConnId {
    pub(crate) fn next() -> ConnId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        ConnId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number, as other replicas know the connection (with the node).
    pub(crate) fn raw(self) -> u64 {
        self.0
    }
}

/// Why the server ends a connection, as the client is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Its queue filled up: it fell too far behind.
    TooSlow,
    /// Its member was kicked.
    Kicked,
    /// Its member was banned, from the room or the site.
    Banned,
    /// Its `join` was refused (after an error saying why).
    JoinRefused,
    /// The room was closed (deleted).
    RoomClosed,
}

impl Closing {
    /// Machine-readable, as the client is told.
    pub fn code(self) -> &'static str {
        match self {
            Closing::TooSlow => "too_slow",
            Closing::Kicked => "kicked",
            Closing::Banned => "banned",
            Closing::JoinRefused => "join_refused",
            Closing::RoomClosed => "room_closed",
        }
    }

    /// For people.
    pub fn message(self) -> &'static str {
        match self {
            Closing::TooSlow => "the connection fell too far behind; reconnect with last_seq",
            Closing::Kicked => "you were removed from the room",
            Closing::Banned => "you were banned from the room",
            Closing::JoinRefused => "the join was refused",
            Closing::RoomClosed => "the room was closed",
        }
    }
}

/// The actor's side of one connection.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) user: UserId,
    pub(crate) queue: mpsc::Sender<Shared>,
    pub(crate) close: oneshot::Sender<Closing>,
}

/// The members' connections, as a room's writer reaches them: the seam
/// between the actor and wherever its members are.
///
/// That is [`Fanout`], the connections of this process. In a cluster the
/// writer's actor also puts every event on the room's bus (`writer`), and
/// the other replicas deliver them to their own connections.
pub(crate) trait Members: Send {
    /// Whether no connection is left (the room may unload).
    fn is_empty(&self) -> bool;
    /// A connection joined.
    fn add(&mut self, id: ConnId, link: Link);
    /// Forgets a connection; its user, if it was here.
    fn remove(&mut self, id: ConnId) -> Option<UserId>;
    /// Queues a reply for one connection. A full queue cuts it off:
    /// returns its user, for whom the room must count a leave.
    fn send_to(&mut self, id: ConnId, message: &Shared) -> Option<UserId>;
    /// Sends an event to every member; returns the users of the
    /// connections cut off on the way.
    fn publish(&mut self, message: &Shared) -> Vec<UserId>;
    /// Closes every connection of `user`.
    fn close_user(&mut self, user: UserId, closing: Closing);
    /// Closes every connection.
    fn close_all(&mut self, closing: Closing);
}

/// Every connection of the room in this process.
#[derive(Debug, Default)]
pub(crate) struct Fanout {
    links: HashMap<ConnId, Link>,
}

impl Members for Fanout {
    fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    fn add(&mut self, id: ConnId, link: Link) {
        self.links.insert(id, link);
    }

    fn remove(&mut self, id: ConnId) -> Option<UserId> {
        self.links.remove(&id).map(|link| link.user)
    }

    fn send_to(&mut self, id: ConnId, message: &Shared) -> Option<UserId> {
        let link = self.links.get(&id)?;
        if link.queue.try_send(message.clone()).is_ok() {
            return None;
        }
        self.cut(id, Closing::TooSlow)
    }

    /// Queues the event for every connection here, never waiting: a full
    /// (or gone) queue cuts its connection.
    fn publish(&mut self, message: &Shared) -> Vec<UserId> {
        let stalled: Vec<ConnId> = self
            .links
            .iter()
            .filter(|(_, link)| link.queue.try_send(message.clone()).is_err())
            .map(|(id, _)| *id)
            .collect();
        stalled
            .into_iter()
            .filter_map(|id| self.cut(id, Closing::TooSlow))
            .collect()
    }

    fn close_user(&mut self, user: UserId, closing: Closing) {
        let ids: Vec<ConnId> = self
            .links
            .iter()
            .filter(|(_, link)| link.user == user)
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.cut(id, closing);
        }
    }

    fn close_all(&mut self, closing: Closing) {
        for (_, link) in self.links.drain() {
            let _ = link.close.send(closing);
        }
    }
}

impl Fanout {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.links.len()
    }

    fn cut(&mut self, id: ConnId, closing: Closing) -> Option<UserId> {
        let link = self.links.remove(&id)?;
        if closing == Closing::TooSlow {
            tracing::info!(user = %link.user, "room connection cut off: its queue is full");
        }
        let _ = link.close.send(closing);
        Some(link.user)
    }
}

#[cfg(test)]
mod tests {
    use wire::ServerMessage;

    use super::*;
    use crate::outgoing::Outgoing;

    fn link(
        user: u64,
        capacity: usize,
    ) -> (Link, mpsc::Receiver<Shared>, oneshot::Receiver<Closing>) {
        let (queue, rx) = mpsc::channel(capacity);
        let (close, closed) = oneshot::channel();
        let link = Link {
            user: UserId(user),
            queue,
            close,
        };
        (link, rx, closed)
    }

    #[test]
    fn a_full_queue_cuts_only_that_connection() {
        let mut fanout = Fanout::default();
        let (fast, mut fast_rx, _fast_closed) = link(1, 4);
        let (slow, _slow_rx, mut slow_closed) = link(2, 1);
        let (a, b) = (ConnId::next(), ConnId::next());
        fanout.add(a, fast);
        fanout.add(b, slow);
        let message = Outgoing::new(ServerMessage::new(1, 0, wire::pb::RoomClosed {}));
        assert!(fanout.publish(&message).is_empty());
        assert_eq!(fanout.publish(&message), vec![UserId(2)]);
        assert_eq!(slow_closed.try_recv(), Ok(Closing::TooSlow));
        assert_eq!(fanout.len(), 1);
        assert!(fast_rx.try_recv().is_ok() && fast_rx.try_recv().is_ok());
    }

    #[test]
    fn closing_a_user_closes_all_their_connections() {
        let mut fanout = Fanout::default();
        let (one, _rx1, mut closed1) = link(7, 1);
        let (two, _rx2, mut closed2) = link(7, 1);
        let (other, _rx3, mut closed3) = link(8, 1);
        fanout.add(ConnId::next(), one);
        fanout.add(ConnId::next(), two);
        fanout.add(ConnId::next(), other);
        fanout.close_user(UserId(7), Closing::Kicked);
        assert_eq!(closed1.try_recv(), Ok(Closing::Kicked));
        assert_eq!(closed2.try_recv(), Ok(Closing::Kicked));
        assert!(closed3.try_recv().is_err());
        assert_eq!(fanout.len(), 1);
    }
}
