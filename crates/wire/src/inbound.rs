//! Client messages mapped to what the connection or the room must do.

use std::fmt;

use room::{
    DanmakuMode, ItemId, Pause, Play, Rate, RequestId, RoomCommand, Seek, SendChat, SendDanmaku,
    SetCurrent, SetRate,
};

use crate::error::WireError;
use crate::pb::{self, client_message::Kind, ClientMessage};

/// What a client message asks for. Room commands are complete but for the
/// actor, which the connection adds: `room.handle_command(actor, command,
/// now_ms)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Enter the room (the connection checks the password and builds
    /// [`room::Join`] from its session), then resume or welcome.
    Join(JoinRequest),
    /// A command for the room.
    Command(RoomCommand),
    /// Answer at once with a `time_pong`.
    TimePing {
        /// The client's clock when it sent the ping, to echo.
        client_time_ms: i64,
    },
    /// Nothing to do but note the connection is alive.
    Heartbeat,
}

/// A `join` as the connection needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinRequest {
    /// The last seq the client applied: resume after it when the room
    /// still has the events, else send a welcome.
    pub last_seq: Option<u64>,
    /// The password given (empty when none), to verify against the room's
    /// hash. Never logged.
    pub password: String,
}

impl TryFrom<ClientMessage> for Inbound {
    type Error = WireError;

    fn try_from(message: ClientMessage) -> Result<Self, WireError> {
        let kind = message.kind.ok_or(WireError::UnknownMessage)?;
        let command: RoomCommand = match kind {
            Kind::Join(m) => {
                return Ok(Self::Join(JoinRequest {
                    last_seq: m.last_seq,
                    password: m.password,
                }))
            }
            Kind::TimePing(m) => {
                return Ok(Self::TimePing {
                    client_time_ms: m.client_time_ms,
                })
            }
            Kind::Heartbeat(_) => return Ok(Self::Heartbeat),
            Kind::Chat(m) => SendChat {
                text: m.text,
                request_id: optional_request_id(m.request_id)?,
            }
            .into(),
            Kind::Danmaku(m) => SendDanmaku::try_from(m)?.into(),
            Kind::Play(m) => Play {
                request_id: RequestId::new(m.request_id)?,
            }
            .into(),
            Kind::Pause(m) => Pause {
                request_id: RequestId::new(m.request_id)?,
            }
            .into(),
            Kind::Seek(m) => Seek {
                position_ms: m.position_ms,
                request_id: RequestId::new(m.request_id)?,
            }
            .into(),
            Kind::SetRate(m) => SetRate {
                rate: Rate::from_milli(m.rate_milli)?,
                request_id: RequestId::new(m.request_id)?,
            }
            .into(),
            Kind::SetCurrent(m) => SetCurrent {
                id: ItemId(m.item_id),
                request_id: RequestId::new(m.request_id)?,
            }
            .into(),
        };
        Ok(Self::Command(command))
    }
}

impl TryFrom<pb::SendDanmaku> for SendDanmaku {
    type Error = WireError;

    fn try_from(m: pb::SendDanmaku) -> Result<Self, WireError> {
        Ok(Self {
            text: m.text,
            color: m.color,
            mode: danmaku_mode(m.mode)?,
            media_position_ms: m.media_position_ms,
            request_id: optional_request_id(m.request_id)?,
        })
    }
}

/// Hides the password.
impl fmt::Debug for JoinRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinRequest")
            .field("last_seq", &self.last_seq)
            .field("password_given", &!self.password.is_empty())
            .finish()
    }
}

/// An empty request id means none.
fn optional_request_id(id: String) -> Result<Option<RequestId>, WireError> {
    if id.is_empty() {
        return Ok(None);
    }
    Ok(Some(RequestId::new(id)?))
}

fn danmaku_mode(value: i32) -> Result<DanmakuMode, WireError> {
    match pb::DanmakuMode::try_from(value) {
        Ok(pb::DanmakuMode::Scroll) => Ok(DanmakuMode::Scroll),
        Ok(pb::DanmakuMode::Top) => Ok(DanmakuMode::Top),
        Ok(pb::DanmakuMode::Bottom) => Ok(DanmakuMode::Bottom),
        Err(_) => Err(WireError::UnknownEnumValue {
            field: "mode",
            value,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound(kind: impl Into<Kind>) -> Result<Inbound, WireError> {
        Inbound::try_from(ClientMessage::new(kind))
    }

    fn command(kind: impl Into<Kind>) -> RoomCommand {
        match inbound(kind) {
            Ok(Inbound::Command(command)) => command,
            other => panic!("not a command: {other:?}"),
        }
    }

    fn rid(id: &str) -> RequestId {
        RequestId::new(id).unwrap()
    }

    fn code(result: Result<Inbound, WireError>) -> &'static str {
        result.unwrap_err().code()
    }

    #[test]
    fn playback_messages_become_room_commands() {
        let play = pb::Play {
            request_id: "p".into(),
        };
        assert_eq!(
            command(play),
            Play {
                request_id: rid("p")
            }
            .into()
        );
        let pause = pb::Pause {
            request_id: "q".into(),
        };
        assert_eq!(
            command(pause),
            Pause {
                request_id: rid("q")
            }
            .into()
        );
        let seek = pb::Seek {
            position_ms: 90_000,
            request_id: "s".into(),
        };
        let expected = Seek {
            position_ms: 90_000,
            request_id: rid("s"),
        };
        assert_eq!(command(seek), expected.into());
        let rate = pb::SetRate {
            rate_milli: 1500,
            request_id: "r".into(),
        };
        let expected = SetRate {
            rate: Rate::from_milli(1500).unwrap(),
            request_id: rid("r"),
        };
        assert_eq!(command(rate), expected.into());
        let current = pb::SetCurrent {
            item_id: 3,
            request_id: "c".into(),
        };
        let expected = SetCurrent {
            id: ItemId(3),
            request_id: rid("c"),
        };
        assert_eq!(command(current), expected.into());
    }

    #[test]
    fn chat_and_danmaku_take_an_optional_request_id() {
        let chat = pb::SendChat {
            text: "hi".into(),
            request_id: String::new(),
        };
        let expected = SendChat {
            text: "hi".into(),
            request_id: None,
        };
        assert_eq!(command(chat), expected.into());
        let danmaku = pb::SendDanmaku {
            text: "wow".into(),
            color: 0xFF_0000,
            mode: pb::DanmakuMode::Top.into(),
            media_position_ms: None,
            request_id: "d".into(),
        };
        let expected = SendDanmaku {
            text: "wow".into(),
            color: 0xFF_0000,
            mode: DanmakuMode::Top,
            media_position_ms: None,
            request_id: Some(rid("d")),
        };
        assert_eq!(command(danmaku), expected.into());
    }

    #[test]
    fn connection_messages_stay_with_the_connection() {
        let join = pb::Join {
            last_seq: Some(41),
            password: "pw".into(),
        };
        let expected = JoinRequest {
            last_seq: Some(41),
            password: "pw".into(),
        };
        assert_eq!(inbound(join).unwrap(), Inbound::Join(expected));
        let ping = pb::TimePing { client_time_ms: -5 };
        let expected = Inbound::TimePing { client_time_ms: -5 };
        assert_eq!(inbound(ping).unwrap(), expected);
        assert_eq!(inbound(pb::Heartbeat {}).unwrap(), Inbound::Heartbeat);
    }

    #[test]
    fn invalid_values_are_refused_with_the_rooms_codes() {
        let no_id = pb::Play {
            request_id: String::new(),
        };
        assert_eq!(code(inbound(no_id)), "empty");
        let spaced = pb::Pause {
            request_id: "a b".into(),
        };
        assert_eq!(code(inbound(spaced)), "invalid_text");
        let fast = pb::SetRate {
            rate_milli: 8000,
            request_id: "r".into(),
        };
        assert_eq!(code(inbound(fast)), "invalid_rate");
        let long_id = pb::SendChat {
            text: "hi".into(),
            request_id: "x".repeat(65),
        };
        assert_eq!(code(inbound(long_id)), "too_long");
    }

    #[test]
    fn unknown_cases_and_enum_values_are_bad_messages() {
        let none = Inbound::try_from(ClientMessage::default());
        assert_eq!(code(none), "unknown_message");
        let odd_mode = pb::SendDanmaku {
            text: "x".into(),
            mode: 7,
            ..Default::default()
        };
        assert_eq!(code(inbound(odd_mode)), "bad_message");
    }

    #[test]
    fn a_join_request_never_shows_its_password() {
        let join = JoinRequest {
            last_seq: None,
            password: "hunter2".into(),
        };
        assert!(!format!("{join:?}").contains("hunter2"));
    }
}
