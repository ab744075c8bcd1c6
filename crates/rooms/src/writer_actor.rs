//! What a writer's actor does with commands forwarded by other replicas:
//! the same as with its own connections' messages, answered through the
//! outbox instead of a local queue.

use bytes::Bytes;
use cluster::{ForwardedCommand, Liveness};
use room::{Actor, Join, UserId};
use wire::{pb, ServerMessage};

use crate::actor::RoomActor;
use crate::relay::{decode_command, encode_message, message, Answer, ToConn, ToWriter};
use crate::relay_command::{actor_from_wire, CommandWire};
use crate::relay_error::OutcomeWire;
use crate::writer::{Out, RemoteConn};

impl RoomActor {
    /// Applies a forwarded command once, then acks it (after its events,
    /// in the outbox's order).
    pub(crate) async fn forwarded(&mut self, command: ForwardedCommand, now: i64) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        if !writer.first_time(&command.id) {
            return;
        }
        match ToWriter::decode(&command.payload) {
            Some(ToWriter::Join {
                node,
                incarnation,
                conn,
                user,
                name,
                guest,
                password_ok,
                last_seq,
            }) => {
                let join = Join {
                    name,
                    guest,
                    password_ok,
                };
                let remote = RemoteConn {
                    node,
                    incarnation,
                    conn,
                };
                self.remote_join(remote, UserId(user), join, last_seq, now)
                    .await;
            }
            Some(ToWriter::Command {
                node,
                incarnation,
                conn,
                request_id,
                message,
                ..
            }) => {
                let remote = RemoteConn {
                    node,
                    incarnation,
                    conn,
                };
                self.remote_command(remote, &request_id, &message, now)
                    .await
            }
            Some(ToWriter::Leave {
                node,
                incarnation,
                conn,
            }) => {
                let remote = RemoteConn {
                    node,
                    incarnation,
                    conn,
                };
                self.remote_leave(&remote, now).await
            }
            Some(ToWriter::Apply {
                node,
                incarnation,
                call,
                actor,
                command,
            }) => {
                let remote = RemoteConn {
                    node,
                    incarnation,
                    conn: call,
                };
                self.remote_apply(remote, actor_from_wire(actor), command, now)
                    .await
            }
            None => tracing::warn!(room = self.id.as_str(), "malformed forwarded command"),
        }
        // A command whose effects storage refused stays queued for the
        // room's next writer.
        if let (Some(writer), false) = (&self.writer, self.deposed) {
            writer.send(Out::Ack { id: command.id }).await;
        }
    }

    async fn remote_join(
        &mut self,
        remote: RemoteConn,
        user: UserId,
        join: Join,
        last_seq: Option<u64>,
        now: i64,
    ) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        // A join from this node is a leftover of a follower it ran before:
        // its connections are local now.
        if remote.node == writer.node {
            return;
        }
        // Connections of an earlier run of that replica are gone.
        let gone = writer.forget_earlier_runs(&remote);
        for user in gone {
            self.leave(user, now);
        }
        // A join sent again (its answer was lost): answer again.
        if let Some(joined) = self.writer.as_ref().and_then(|w| w.remote_user(&remote)) {
            let first = self.first_messages(joined, last_seq, now);
            let answer = Answer::Entered {
                seq: self.room.seq(),
                messages: first.iter().map(encode_message).collect(),
            };
            return self.answer(&remote, answer).await;
        }
        let answer = match self
            .room
            .handle_command(Actor::User(user), join.into(), now)
        {
            Err(refused) => Answer::Refused {
                message: message(ServerMessage::new(0, now, pb::ErrorReply::from(&refused))),
            },
            Ok(_) => {
                self.flush().await;
                let first = self.first_messages(user, last_seq, now);
                Answer::Entered {
                    seq: self.room.seq(),
                    messages: first.iter().map(encode_message).collect(),
                }
            }
        };
        let entered = matches!(answer, Answer::Entered { .. });
        self.answer(&remote, answer).await;
        if let (true, Some(writer)) = (entered, self.writer.as_mut()) {
            writer.add_remote(remote, user);
        }
    }

    async fn remote_command(
        &mut self,
        remote: RemoteConn,
        request_id: &str,
        bytes: &[u8],
        now: i64,
    ) {
        let user = self.writer.as_ref().and_then(|w| w.remote_user(&remote));
        let Some(user) = user else {
            // Not joined here (it joined under another writer, or under an
            // earlier run of its replica): it is told, and enters again.
            tracing::debug!(
                room = self.id.as_str(),
                node = remote.node,
                "command of an unknown connection"
            );
            let error = pb::ErrorReply {
                code: "not_joined".to_owned(),
                message: "the connection is not in the room; join again".to_owned(),
                request_id: request_id.to_owned(),
                retry_after_ms: None,
            };
            let answer = Answer::Unknown {
                message: message(ServerMessage::new(self.room.seq(), now, error)),
            };
            return self.answer(&remote, answer).await;
        };
        let Some(command) = decode_command(bytes) else {
            tracing::warn!(
                room = self.id.as_str(),
                "malformed forwarded member command"
            );
            return;
        };
        let result = self.room.handle_command(Actor::User(user), command, now);
        self.flush().await;
        let reply = match result {
            Ok(receipt) => {
                ServerMessage::new(self.room.seq(), now, pb::Ack::new(&receipt, request_id))
            }
            Err(refused) => {
                let error = pb::ErrorReply::from(&refused).with_request_id(Some(request_id));
                ServerMessage::new(self.room.seq(), now, error)
            }
        };
        let answer = Answer::Reply {
            message: message(reply),
        };
        self.answer(&remote, answer).await;
    }

    /// A command of an HTTP route on another replica: applied as if it
    /// came from a route here, its outcome sent back to that call.
    async fn remote_apply(
        &mut self,
        remote: RemoteConn,
        actor: Actor,
        command: CommandWire,
        now: i64,
    ) {
        let outcome = match command.into_command() {
            Some(command) => {
                let result = self.room.handle_command(actor, command, now);
                self.flush().await;
                OutcomeWire::from(&result)
            }
            None => {
                tracing::warn!(room = self.id.as_str(), "malformed forwarded room command");
                return;
            }
        };
        self.answer(&remote, Answer::Applied { outcome }).await;
    }

    async fn remote_leave(&mut self, remote: &RemoteConn, now: i64) {
        let user = self.writer.as_mut().and_then(|w| w.remove_remote(remote));
        if let Some(user) = user {
            self.leave(user, now);
            self.flush().await;
        }
    }

    /// Members on replicas that died leave.
    pub(crate) async fn forget_dead_nodes(&mut self, nodes: &Liveness, now: i64) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let gone = writer.forget_dead(nodes);
        if gone.is_empty() {
            return;
        }
        tracing::info!(
            room = self.id.as_str(),
            members = gone.len(),
            "members of dead replicas leave"
        );
        for user in gone {
            self.leave(user, now);
        }
        self.flush().await;
    }

    async fn answer(&mut self, remote: &RemoteConn, answer: Answer) {
        let Some(writer) = self.writer.as_ref().filter(|_| !self.deposed) else {
            return;
        };
        let to = ToConn {
            epoch: writer.epoch(),
            incarnation: remote.incarnation,
            conn: remote.conn,
            answer,
        };
        let out = Out::Answer {
            node: remote.node.clone(),
            payload: Bytes::from(to.encode().to_vec()),
        };
        writer.send(out).await;
    }
}
