//! HTTP routes' commands on a follower: forwarded to the writer like a
//! member's, answered with the writer's outcome. What the route reads of
//! the room afterwards it reads from storage, where the writer stored the
//! command's effects before it answered.

use std::time::Instant;

use room::{Receipt, Room, RoomError};
use store::RoomStateRepo;

use super::Follower;
use crate::actor::ThenFn;
use crate::fanout::ConnId;
use crate::relay::ToWriter;
use crate::relay_command::{actor_to_wire, CommandWire};
use crate::relay_error::OutcomeWire;

impl Follower {
    /// Sends an HTTP route's command to the writer; `then` runs when the
    /// outcome comes back.
    pub(super) fn forward_apply(
        &mut self,
        actor: room::Actor,
        command: &room::RoomCommand,
        then: ThenFn,
    ) {
        // Numbered like connections, so a call and a connection of this
        // replica never share a number in the writer's answers.
        let call = ConnId::next().raw();
        let apply = ToWriter::Apply {
            node: self.replicas.node.clone(),
            incarnation: self.replicas.incarnation,
            call,
            actor: actor_to_wire(actor),
            command: CommandWire::from(command),
        };
        self.calls.insert(call, (then, Instant::now()));
        self.send_writer(apply, format!("call:{call}"));
    }

    /// The writer's outcome of call `call`.
    pub(super) fn applied(&mut self, call: u64, outcome: OutcomeWire) {
        let Some((then, _)) = self.calls.remove(&call) else {
            return;
        };
        let result: Result<Receipt, RoomError> = outcome.into();
        let store = self.rooms.store().clone();
        let limits = self.rooms.config().limits.clone();
        let id = self.id.clone();
        // The read waits on storage, not the follower's loop.
        tokio::spawn(async move {
            match store.load_room(&id).await {
                Ok(saved) => then(result, &Room::restore(saved, limits)),
                // Dropping `then` tells the route the room is unavailable.
                Err(e) => tracing::warn!(room = id.as_str(), "room read failed: {e}"),
            }
        });
    }

    /// Calls with no outcome after the link's retry time are given up:
    /// their routes answer "unavailable" (a retry with the same request
    /// id applies once).
    pub(super) fn expire_calls(&mut self) {
        let limit = self.replicas.cluster.config.retry_for;
        self.calls.retain(|_, (_, sent)| sent.elapsed() <= limit);
    }
}
