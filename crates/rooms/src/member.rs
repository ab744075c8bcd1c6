//! A member connection as the room runtime sees it: it joins, sends
//! commands, and leaves. The transport (WebSocket, gRPC) drives the socket
//! and reads the member's queue.

use room::{RoomCommand, UserId};
use store::RoomId;
use tokio::sync::{mpsc, oneshot};

use crate::actor::{Connect, ToRoom};
use crate::fanout::{Closing, ConnId, Link};
use crate::outgoing::Shared;
use crate::registry::Rooms;
use crate::RoomsError;

/// Joins tried when the room's actor stops as the join arrives (a new
/// actor takes the next one).
const JOIN_ATTEMPTS: usize = 3;

/// Who enters a room, and what their `join` said.
#[derive(Debug, Clone)]
pub struct Entry {
    pub user: UserId,
    pub name: String,
    pub guest: bool,
    /// The room's password was given and is right.
    pub password_ok: bool,
    /// The last seq the client saw, when it reconnects.
    pub last_seq: Option<u64>,
}

/// A joined connection: what the room sends it, and why the room ends it.
#[derive(Debug)]
pub struct Member {
    pub conn: ConnId,
    /// The first messages: a welcome, or `resumed` and the missed events.
    pub first: Vec<Shared>,
    /// Everything the room sends afterwards. A connection that lets it
    /// fill up is cut off ([`Closing::TooSlow`]).
    pub queue: mpsc::Receiver<Shared>,
    /// Fires when the room ends the connection.
    pub closed: oneshot::Receiver<Closing>,
}

impl Rooms {
    /// Enters the room as `entry` says, starting its actor if needed.
    /// [`RoomsError::Room`] when the room refuses.
    pub async fn join(&self, id: &RoomId, entry: &Entry) -> Result<Member, RoomsError> {
        for _ in 0..JOIN_ATTEMPTS {
            if let Some(member) = self.join_once(id, entry).await? {
                return Ok(member);
            }
        }
        Err(RoomsError::Restarting)
    }

    /// `None`: the actor stopped as the join arrived.
    async fn join_once(&self, id: &RoomId, entry: &Entry) -> Result<Option<Member>, RoomsError> {
        let conn = ConnId::next();
        let (queue_tx, queue) = mpsc::channel(self.config().queue_messages.max(1));
        let (close, closed) = oneshot::channel();
        let (reply, answer) = oneshot::channel();
        let connect = Connect {
            conn,
            user: entry.user,
            name: entry.name.clone(),
            guest: entry.guest,
            password_ok: entry.password_ok,
            last_seq: entry.last_seq,
            link: Link {
                user: entry.user,
                queue: queue_tx,
                close,
            },
            reply,
        };
        self.send(id, ToRoom::Connect(Box::new(connect))).await?;
        match answer.await {
            Ok(Ok(first)) => Ok(Some(Member {
                conn,
                first,
                queue,
                closed,
            })),
            Ok(Err(refused)) => Err(refused.into()),
            Err(_) => Ok(None),
        }
    }

    /// A command from a joined connection; the answer (`ack` or `error`)
    /// comes in its queue.
    pub async fn command(
        &self,
        id: &RoomId,
        conn: ConnId,
        user: UserId,
        command: RoomCommand,
        request_id: String,
    ) -> Result<(), RoomsError> {
        let message = ToRoom::Command {
            conn,
            user,
            command,
            request_id,
        };
        self.send(id, message).await
    }

    /// A joined connection ended.
    pub async fn leave(&self, id: &RoomId, conn: ConnId) -> Result<(), RoomsError> {
        self.send(id, ToRoom::Disconnect { conn }).await
    }
}
