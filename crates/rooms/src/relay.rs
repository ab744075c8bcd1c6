//! What replicas tell each other about a room: commands for its writer,
//! and the writer's answers for one connection on another replica.
//!
//! Room events travel as encoded [`ServerMessage`]s (protobuf), each on
//! the bus under its seq. The envelopes here travel as JSON; a member's
//! command inside one is the protobuf `ClientMessage` it came as, so the
//! writer decodes it exactly as a transport would.

use bytes::Bytes;
use room::{DanmakuMode, RoomCommand};
use serde::{Deserialize, Serialize};
use wire::{pb, ClientMessage, Inbound, ServerMessage};

use crate::outgoing::{Outgoing, Shared};
use crate::relay_command::CommandWire;
use crate::relay_error::OutcomeWire;

/// A command for the room's writer from another replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ToWriter {
    /// A connection on `node` enters; answer with its first messages.
    Join {
        node: String,
        /// Which run of `node` (a process restarted under the same id is
        /// another one); 0 from a replica that does not say.
        #[serde(default)]
        incarnation: u64,
        conn: u64,
        user: u64,
        name: String,
        guest: bool,
        password_ok: bool,
        last_seq: Option<u64>,
    },
    /// A member's command; answer with an ack or an error.
    Command {
        node: String,
        #[serde(default)]
        incarnation: u64,
        conn: u64,
        user: u64,
        request_id: String,
        /// The protobuf `ClientMessage`.
        message: Vec<u8>,
    },
    /// A connection on `node` ended.
    Leave {
        node: String,
        #[serde(default)]
        incarnation: u64,
        conn: u64,
    },
    /// A command from an HTTP route (or the server) on `node`; answer
    /// with its outcome, addressed to `call`.
    Apply {
        node: String,
        #[serde(default)]
        incarnation: u64,
        call: u64,
        /// The acting user; `None` for the server.
        actor: Option<u64>,
        command: CommandWire,
    },
}

/// The writer's answer to one connection on another replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ToConn {
    /// The epoch of the writer that answers.
    pub(crate) epoch: u64,
    /// The run of the replica the answer is for (see `ToWriter::Join`).
    #[serde(default)]
    pub(crate) incarnation: u64,
    /// The connection, or the call of an `Apply`.
    pub(crate) conn: u64,
    pub(crate) answer: Answer,
}

/// What the connection is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Answer {
    /// It entered: a welcome, or `resumed` and the missed events (protobuf
    /// `ServerMessage`s), the last at seq `seq`.
    Entered { seq: u64, messages: Vec<Vec<u8>> },
    /// Its join was refused with this error message.
    Refused { message: Vec<u8> },
    /// An ack or error for one of its commands.
    Reply { message: Vec<u8> },
    /// The writer does not know the connection (it joined under another
    /// writer, or another run of its replica): this error for its
    /// command, then it must enter again.
    Unknown { message: Vec<u8> },
    /// The outcome of an `Apply`.
    Applied { outcome: OutcomeWire },
}

impl ToWriter {
    pub(crate) fn encode(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<ToWriter> {
        serde_json::from_slice(bytes).ok()
    }
}

impl ToConn {
    pub(crate) fn encode(&self) -> Bytes {
        Bytes::from(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<ToConn> {
        serde_json::from_slice(bytes).ok()
    }
}

/// A server message as the bus and the envelopes carry it.
pub(crate) fn encode_message(message: &Shared) -> Vec<u8> {
    message.protobuf().to_vec()
}

/// A server message from the bus or an envelope; `None` if malformed.
pub(crate) fn decode_message(bytes: &[u8]) -> Option<Shared> {
    wire::protobuf::decode_server(bytes).ok().map(Outgoing::new)
}

/// The protobuf `ClientMessage` a member's command came as; `None` for a
/// command members do not send (those come from the HTTP API).
pub(crate) fn command_message(command: &RoomCommand) -> Option<Vec<u8>> {
    use pb::client_message::Kind;
    let kind: Kind = match command {
        RoomCommand::Chat(c) => Kind::Chat(pb::SendChat {
            text: c.text.clone(),
            request_id: optional(c.request_id.as_ref()),
        }),
        RoomCommand::Danmaku(c) => Kind::Danmaku(pb::SendDanmaku {
            text: c.text.clone(),
            color: c.color,
            mode: danmaku_mode(c.mode) as i32,
            media_position_ms: c.media_position_ms,
            request_id: optional(c.request_id.as_ref()),
        }),
        RoomCommand::Play(c) => Kind::Play(pb::Play {
            request_id: c.request_id.to_string(),
        }),
        RoomCommand::Pause(c) => Kind::Pause(pb::Pause {
            request_id: c.request_id.to_string(),
        }),
        RoomCommand::Seek(c) => Kind::Seek(pb::Seek {
            position_ms: c.position_ms,
            request_id: c.request_id.to_string(),
        }),
        RoomCommand::SetRate(c) => Kind::SetRate(pb::SetRate {
            rate_milli: c.rate.milli(),
            request_id: c.request_id.to_string(),
        }),
        RoomCommand::SetCurrent(c) => Kind::SetCurrent(pb::SetCurrent {
            item_id: c.id.0,
            request_id: c.request_id.to_string(),
        }),
        _ => return None,
    };
    Some(wire::protobuf::encode_client(&ClientMessage::new(kind)))
}

/// The room command in a forwarded `ClientMessage`; `None` if it is not one.
pub(crate) fn decode_command(bytes: &[u8]) -> Option<RoomCommand> {
    let message = wire::protobuf::decode_client(bytes).ok()?;
    match Inbound::try_from(message).ok()? {
        Inbound::Command(command) => Some(command),
        _ => None,
    }
}

/// A server message for one connection.
pub(crate) fn message(message: ServerMessage) -> Vec<u8> {
    wire::protobuf::encode_server(&message)
}

fn optional(id: Option<&room::RequestId>) -> String {
    id.map(ToString::to_string).unwrap_or_default()
}

fn danmaku_mode(mode: DanmakuMode) -> pb::DanmakuMode {
    match mode {
        DanmakuMode::Scroll => pb::DanmakuMode::Scroll,
        DanmakuMode::Top => pb::DanmakuMode::Top,
        DanmakuMode::Bottom => pb::DanmakuMode::Bottom,
    }
}

#[cfg(test)]
mod tests {
    use room::{ItemId, Rate, RequestId, Seek, SendChat, SendDanmaku, SetCurrent, SetRate};

    use super::*;

    fn id(text: &str) -> RequestId {
        RequestId::new(text.to_owned()).unwrap()
    }

    #[test]
    fn every_member_command_survives_forwarding_unchanged() {
        let commands: Vec<RoomCommand> = vec![
            SendChat {
                text: "hi".into(),
                request_id: Some(id("c1")),
            }
            .into(),
            SendChat {
                text: "no id".into(),
                request_id: None,
            }
            .into(),
            SendDanmaku {
                text: "wow".into(),
                color: 0x00ff00,
                mode: DanmakuMode::Top,
                media_position_ms: Some(5),
                request_id: None,
            }
            .into(),
            room::Play {
                request_id: id("p"),
            }
            .into(),
            room::Pause {
                request_id: id("q"),
            }
            .into(),
            Seek {
                position_ms: 42,
                request_id: id("s"),
            }
            .into(),
            SetRate {
                rate: Rate::from_milli(1500).unwrap(),
                request_id: id("r"),
            }
            .into(),
            SetCurrent {
                id: ItemId(3),
                request_id: id("x"),
            }
            .into(),
        ];
        for command in commands {
            let bytes = command_message(&command).expect("a member command");
            assert_eq!(decode_command(&bytes), Some(command));
        }
    }

    #[test]
    fn commands_members_cannot_send_are_not_forwarded() {
        assert_eq!(command_message(&room::Close.into()), None);
    }

    #[test]
    fn envelopes_round_trip_and_garbage_is_refused() {
        let join = ToWriter::Join {
            node: "b".into(),
            incarnation: 5,
            conn: 9,
            user: 4,
            name: "ann".into(),
            guest: false,
            password_ok: true,
            last_seq: Some(12),
        };
        assert_eq!(ToWriter::decode(&join.encode()), Some(join));
        let answer = ToConn {
            epoch: 3,
            incarnation: 5,
            conn: 9,
            answer: Answer::Reply { message: vec![1] },
        };
        assert_eq!(ToConn::decode(&answer.encode()), Some(answer));
        assert_eq!(ToWriter::decode(b"{\"type\":\"nope\"}"), None);
        assert_eq!(ToConn::decode(b"\xff"), None);
        assert!(decode_message(b"\xff\xff\xff").is_none());
    }
}
