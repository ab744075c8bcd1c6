//! The writer's answers to this replica's connections: the first
//! messages of a join, a refusal, a command's ack or error, a connection
//! the writer does not know, and an HTTP call's outcome.

use super::{Followed, Follower};
use crate::fanout::Closing;
use crate::outgoing::Shared;
use crate::relay::{decode_message, Answer, ToConn};

impl Follower {
    pub(super) fn answer(&mut self, to: ToConn) {
        match to.answer {
            Answer::Entered { seq, messages } => {
                let Some((c, _)) = self.pending.remove(&to.conn) else {
                    return;
                };
                let first: Vec<Shared> =
                    messages.iter().filter_map(|m| decode_message(m)).collect();
                if c.reply.send(Ok(first)).is_err() {
                    return self.leave(c.conn);
                }
                let conn = c.conn;
                self.links.insert(
                    conn,
                    Followed {
                        link: c.link,
                        last: seq,
                    },
                );
                self.catch_up(conn);
            }
            Answer::Refused { message } => {
                let Some((c, _)) = self.pending.remove(&to.conn) else {
                    return;
                };
                let first: Vec<Shared> = decode_message(&message).into_iter().collect();
                if c.reply.send(Ok(first)).is_ok() {
                    let _ = c.link.close.send(Closing::JoinRefused);
                }
            }
            Answer::Reply { message } => {
                let Some(message) = decode_message(&message) else {
                    return;
                };
                let conn = self.links.keys().find(|c| c.raw() == to.conn).copied();
                let Some(conn) = conn else {
                    return;
                };
                self.send_to(conn, &message);
            }
            Answer::Unknown { message } => {
                let conn = self.links.keys().find(|c| c.raw() == to.conn).copied();
                let Some(conn) = conn else {
                    return;
                };
                if let Some(message) = decode_message(&message) {
                    self.send_to(conn, &message);
                }
                // It resumes with its last seq and is known again.
                self.cut(conn, Closing::TooSlow);
            }
            Answer::Applied { outcome } => self.applied(to.conn, outcome),
        }
    }
}
