//! What a writer's actor does with commands forwarded by other replicas:
//! the same as with its own connections' messages, answered through the
//! outbox instead of a local queue.

use std::collections::HashSet;

use bytes::Bytes;
use cluster::ForwardedCommand;
use room::{Actor, Join, UserId};
use wire::{pb, ServerMessage};

use crate::actor::RoomActor;
use crate::relay::{decode_command, encode_message, message, Answer, ToConn, ToWriter};
use crate::writer::Out;

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
                self.remote_join(node, conn, UserId(user), join, last_seq, now)
                    .await;
            }
            Some(ToWriter::Command {
                node,
                conn,
                request_id,
                message,
                ..
            }) => {
                self.remote_command(node, conn, &request_id, &message, now)
                    .await
            }
            Some(ToWriter::Leave { node, conn }) => self.remote_leave(&node, conn, now).await,
            None => tracing::warn!(room = self.id.as_str(), "malformed forwarded command"),
        }
        if let Some(writer) = &self.writer {
            writer.send(Out::Ack { id: command.id });
        }
    }

    async fn remote_join(
        &mut self,
        node: String,
        conn: u64,
        user: UserId,
        join: Join,
        last_seq: Option<u64>,
        now: i64,
    ) {
        let Some(writer) = &self.writer else {
            return;
        };
        // A join from this node is a leftover of a follower it ran before:
        // its connections are local now.
        if node == writer.node {
            return;
        }
        // A join sent again (its answer was lost): answer again.
        if let Some(joined) = writer.remote_user(&node, conn) {
            let first = self.first_messages(joined, last_seq, now);
            let answer = Answer::Entered {
                seq: self.room.seq(),
                messages: first.iter().map(encode_message).collect(),
            };
            return self.answer(&node, conn, answer);
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
        self.answer(&node, conn, answer);
        if let (true, Some(writer)) = (entered, self.writer.as_mut()) {
            writer.add_remote(node, conn, user);
        }
    }

    async fn remote_command(
        &mut self,
        node: String,
        conn: u64,
        request_id: &str,
        bytes: &[u8],
        now: i64,
    ) {
        let Some(user) = self
            .writer
            .as_ref()
            .and_then(|w| w.remote_user(&node, conn))
        else {
            return;
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
        self.answer(
            &node,
            conn,
            Answer::Reply {
                message: message(reply),
            },
        );
    }

    async fn remote_leave(&mut self, node: &str, conn: u64, now: i64) {
        let user = self
            .writer
            .as_mut()
            .and_then(|w| w.remove_remote(node, conn));
        if let Some(user) = user {
            self.leave(user, now);
            self.flush().await;
        }
    }

    /// Members on replicas that died leave.
    pub(crate) async fn forget_dead_nodes(&mut self, alive: &HashSet<String>, now: i64) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let gone = writer.forget_dead(alive);
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

    fn answer(&self, node: &str, conn: u64, answer: Answer) {
        let Some(writer) = &self.writer else {
            return;
        };
        let epoch = writer.epoch();
        let payload = Bytes::from(
            ToConn {
                epoch,
                conn,
                answer,
            }
            .encode()
            .to_vec(),
        );
        writer.send(Out::Answer {
            node: node.to_owned(),
            payload,
        });
    }
}
