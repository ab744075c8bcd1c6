//! The JSON mapping, for WebSocket text frames.
//!
//! A message is one flat object: `type` names the case (the oneof field's
//! name), and the case's fields sit beside it. Server messages add the
//! envelope's `seq` and `server_time_ms`:
//!
//! ```text
//! {"type":"chat","text":"hi","request_id":"r1"}
//! {"seq":12,"server_time_ms":1700000000000,"type":"chat","user_id":7,"name":"ann","text":"hi"}
//! ```
//!
//! Field names are the schema's (snake_case); 64-bit integers are JSON
//! numbers; enums are lowercase names without their prefix (`"scroll"`,
//! `"admin"`, `"hls"`); an absent optional field is `null`. A decoder
//! takes missing fields as their protobuf defaults (0, `""`, `false`,
//! absent) and ignores unknown ones, as the protobuf decoder does.

use serde::{Deserialize, Serialize};

use crate::error::WireError;
use crate::pb::{client_message, server_message, ClientMessage, ServerMessage};
use crate::{MAX_CLIENT_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES};

/// A client message from a text frame, at most
/// [`MAX_CLIENT_MESSAGE_BYTES`].
pub fn decode_client(text: &str) -> Result<ClientMessage, WireError> {
    check_len(text, MAX_CLIENT_MESSAGE_BYTES)?;
    let kind: client_message::Kind = serde_json::from_str(text)?;
    Ok(ClientMessage { kind: Some(kind) })
}

/// A client message as a text frame. A message without a case encodes as
/// `{}`, which decoders refuse.
pub fn encode_client(message: &ClientMessage) -> String {
    match &message.kind {
        Some(kind) => to_string(kind),
        None => String::from("{}"),
    }
}

/// A server message from a text frame, at most
/// [`MAX_SERVER_MESSAGE_BYTES`].
pub fn decode_server(text: &str) -> Result<ServerMessage, WireError> {
    check_len(text, MAX_SERVER_MESSAGE_BYTES)?;
    let envelope: EnvelopeIn = serde_json::from_str(text)?;
    Ok(ServerMessage {
        seq: envelope.seq,
        server_time_ms: envelope.server_time_ms,
        kind: Some(envelope.kind),
    })
}

/// A server message as a text frame. A message without a case encodes as
/// its envelope alone, which decoders refuse.
pub fn encode_server(message: &ServerMessage) -> String {
    to_string(&EnvelopeOut {
        seq: message.seq,
        server_time_ms: message.server_time_ms,
        kind: message.kind.as_ref(),
    })
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    seq: u64,
    server_time_ms: i64,
    #[serde(flatten)]
    kind: Option<&'a server_message::Kind>,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    server_time_ms: i64,
    #[serde(flatten)]
    kind: server_message::Kind,
}

fn check_len(text: &str, max: usize) -> Result<(), WireError> {
    if text.len() > max {
        return Err(WireError::TooLarge {
            len: text.len(),
            max,
        });
    }
    Ok(())
}

fn to_string(value: &impl Serialize) -> String {
    // Plain structs with string keys: serialising them cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| String::from("{}"))
}

/// Enum fields by name: `DANMAKU_MODE_TOP` is `"top"`. Numbers are
/// accepted too, and an unknown number is written as a number, so a value
/// from a newer peer survives a round trip.
pub(crate) mod names {
    use std::fmt;

    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    /// A protobuf enum as the generated code describes it.
    pub(crate) trait ProtoEnum: TryFrom<i32> + Into<i32> {
        const PREFIX: &'static str;
        fn as_str_name(&self) -> &'static str;
        fn from_str_name(name: &str) -> Option<Self>;
    }

    pub(crate) fn serialize<E: ProtoEnum, S: Serializer>(
        value: i32,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match E::try_from(value) {
            Ok(known) => {
                let full = known.as_str_name();
                let short = full.strip_prefix(E::PREFIX).unwrap_or(full);
                serializer.serialize_str(&short.to_ascii_lowercase())
            }
            Err(_) => serializer.serialize_i32(value),
        }
    }

    pub(crate) fn deserialize<'de, E: ProtoEnum, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<i32, D::Error> {
        deserializer.deserialize_any(NameVisitor::<E>(std::marker::PhantomData))
    }

    struct NameVisitor<E>(std::marker::PhantomData<E>);

    impl<E: ProtoEnum> Visitor<'_> for NameVisitor<E> {
        type Value = i32;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a lowercase {}* name", E::PREFIX)
        }

        fn visit_str<Er: de::Error>(self, name: &str) -> Result<i32, Er> {
            let unknown = || Er::invalid_value(de::Unexpected::Str(name), &self);
            if name
                .bytes()
                .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
            {
                return Err(unknown());
            }
            let full = format!("{}{}", E::PREFIX, name.to_ascii_uppercase());
            E::from_str_name(&full).map(Into::into).ok_or_else(unknown)
        }

        fn visit_i64<Er: de::Error>(self, value: i64) -> Result<i32, Er> {
            i32::try_from(value)
                .map_err(|_| Er::invalid_value(de::Unexpected::Signed(value), &self))
        }

        fn visit_u64<Er: de::Error>(self, value: u64) -> Result<i32, Er> {
            i32::try_from(value)
                .map_err(|_| Er::invalid_value(de::Unexpected::Unsigned(value), &self))
        }
    }

    macro_rules! proto_enums {
        ($($module:ident => $ty:ident, $prefix:literal;)*) => {$(
            impl ProtoEnum for crate::pb::$ty {
                const PREFIX: &'static str = $prefix;
                fn as_str_name(&self) -> &'static str {
                    crate::pb::$ty::as_str_name(self)
                }
                fn from_str_name(name: &str) -> Option<Self> {
                    crate::pb::$ty::from_str_name(name)
                }
            }

            /// `#[serde(with)]` for fields of this enum (set by build.rs).
            pub(crate) mod $module {
                pub(crate) fn serialize<S: serde::Serializer>(
                    value: &i32,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    super::serialize::<crate::pb::$ty, S>(*value, serializer)
                }

                pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<i32, D::Error> {
                    super::deserialize::<crate::pb::$ty, D>(deserializer)
                }
            }
        )*};
    }

    proto_enums! {
        role => Role, "ROLE_";
        danmaku_mode => DanmakuMode, "DANMAKU_MODE_";
        media_kind => MediaKind, "MEDIA_KIND_";
        visibility => Visibility, "VISIBILITY_";
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::arbitrary;
    use crate::pb;

    /// Client messages in their canonical form: every field, schema order.
    const CLIENT_GOLDEN: &[&str] = &[
        r#"{"type":"join","last_seq":41,"password":""}"#,
        r#"{"type":"join","last_seq":null,"password":"open sesame"}"#,
        r#"{"type":"chat","text":"hi","request_id":"r1"}"#,
        r#"{"type":"danmaku","text":"wow","color":16711680,"mode":"top","media_position_ms":null,"request_id":""}"#,
        r#"{"type":"play","request_id":"p1"}"#,
        r#"{"type":"pause","request_id":"p2"}"#,
        r#"{"type":"seek","position_ms":90000,"request_id":"s1"}"#,
        r#"{"type":"set_rate","rate_milli":1500,"request_id":"r2"}"#,
        r#"{"type":"set_current","item_id":3,"request_id":"c1"}"#,
        r#"{"type":"time_ping","client_time_ms":1700000000000}"#,
        r#"{"type":"heartbeat"}"#,
    ];

    /// Server messages in their canonical form.
    const SERVER_GOLDEN: &[&str] = &[
        r#"{"seq":12,"server_time_ms":1700000000000,"type":"chat","user_id":7,"name":"ann","text":"hi"}"#,
        r#"{"seq":13,"server_time_ms":1700000000500,"type":"playback_state","item_id":2,"playing":true,"position_ms":30000,"at_ms":1700000000500,"rate_milli":1000,"by":7}"#,
        r#"{"seq":13,"server_time_ms":1700000001002,"type":"time_pong","client_time_ms":1699999999990,"received_ms":1700000001001}"#,
        r#"{"seq":13,"server_time_ms":1700000001100,"type":"error","code":"rate_limited","message":"rate limited: retry in 250 ms","request_id":"c9","retry_after_ms":250}"#,
        r#"{"seq":14,"server_time_ms":1700000001200,"type":"ack","request_id":"p1","applied_seq":14,"replayed":false}"#,
        r#"{"seq":15,"server_time_ms":1700000002000,"type":"item_added","item":{"id":4,"title":"Live","kind":"live","url":"","duration_ms":null,"added_by":1,"added_at_ms":1700000002000}}"#,
        r#"{"seq":16,"server_time_ms":1700000003000,"type":"danmaku","user_id":7,"text":"wow","color":16711680,"mode":"scroll","media_position_ms":61000}"#,
        r#"{"seq":17,"server_time_ms":1700000004000,"type":"member_joined","member":{"user_id":9,"name":"bo","role":"member","permissions":121,"online":true},"first_time":true,"online":12}"#,
        r#"{"seq":19,"server_time_ms":1700000004250,"type":"members_changed","joined":[{"user_id":9,"name":"bo","role":"member","permissions":121,"online":true}],"left":[4,5],"online":301}"#,
        r#"{"seq":18,"server_time_ms":1700000005000,"type":"live_status","live":true,"started_at_ms":1700000005000}"#,
        r#"{"seq":19,"server_time_ms":1700000006000,"type":"room_closed"}"#,
        WELCOME_GOLDEN,
    ];

    /// What a real room sends: see `the_documented_welcome_is_what_a_room_sends`.
    const WELCOME_GOLDEN: &str = r#"{"seq":4,"server_time_ms":1700000000010,"type":"welcome","user_id":1,"settings":{"name":"movie night","has_password":false,"visibility":"public","guests_allowed":false,"admin_permissions":511,"member_permissions":121,"guest_permissions":96},"members":[{"user_id":1,"name":"host","role":"creator","permissions":511,"online":true}],"playlist":[{"id":1,"title":"a.mp4","kind":"mp4","url":"https://media.test/a.mp4","duration_ms":60000,"added_by":1,"added_at_ms":1700000000000}],"playback":{"item_id":1,"playing":true,"position_ms":10,"at_ms":1700000000010,"rate_milli":1000,"by":null},"live":{"live":false,"started_at_ms":null},"live_viewers":0,"chat":[{"id":4,"at_ms":1700000000005,"user_id":1,"name":"host","text":"hello"}],"member_count":1}"#;

    #[test]
    fn golden_client_messages_parse_and_reserialise_identically() {
        for golden in CLIENT_GOLDEN {
            let message = decode_client(golden).unwrap_or_else(|e| panic!("{golden}: {e}"));
            assert_eq!(&encode_client(&message), golden);
        }
    }

    #[test]
    fn golden_server_messages_parse_and_reserialise_identically() {
        for golden in SERVER_GOLDEN {
            let message = decode_server(golden).unwrap_or_else(|e| panic!("{golden}: {e}"));
            assert_eq!(&encode_server(&message), golden);
        }
    }

    #[test]
    fn golden_examples_cover_every_client_case() {
        let mut names: Vec<_> = CLIENT_GOLDEN
            .iter()
            .filter_map(|g| decode_client(g).ok()?.kind.map(|k| k.name()))
            .collect();
        names.dedup();
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn the_documented_welcome_is_what_a_room_sends() {
        use room::{Actor, AddItem, Join, NewSource, RequestId, Room, RoomCommand, SendChat};
        use room::{RoomLimits, RoomSettings, SetCurrent, UserId};

        let t0 = 1_700_000_000_000;
        let host = Actor::User(UserId(1));
        let settings = RoomSettings::new("movie night");
        let mut room = Room::new(UserId(1), "host", settings, RoomLimits::default(), t0).unwrap();
        let join = Join {
            name: "host".into(),
            guest: false,
            password_ok: true,
        };
        let add = AddItem {
            title: String::new(),
            source: NewSource::Url {
                url: "https://media.test/a.mp4".into(),
                kind: None,
            },
            duration_ms: Some(60_000),
            request_id: None,
        };
        let play = SetCurrent {
            id: room::ItemId(1),
            request_id: RequestId::new("c1").unwrap(),
        };
        let chat = SendChat {
            text: "hello".into(),
            request_id: None,
        };
        let commands: [(RoomCommand, i64); 4] = [
            (join.into(), t0),
            (add.into(), t0),
            (play.into(), t0),
            (chat.into(), t0 + 5),
        ];
        for (command, at) in commands {
            room.handle_command(host, command, at).unwrap();
        }
        let welcome = ServerMessage::welcome(&room.snapshot(t0 + 10), UserId(1));
        assert_eq!(encode_server(&welcome), WELCOME_GOLDEN);
    }

    #[test]
    fn a_server_message_reads_as_documented() {
        let chat = pb::Chat {
            user_id: 7,
            name: "ann".into(),
            text: "hi".into(),
        };
        let message = ServerMessage::new(12, 1_700_000_000_000, chat);
        assert_eq!(encode_server(&message), SERVER_GOLDEN[0]);
        let mode = pb::Danmaku {
            mode: pb::DanmakuMode::Bottom.into(),
            ..Default::default()
        };
        let text = encode_server(&ServerMessage::new(1, 2, mode));
        assert!(text.contains(r#""mode":"bottom""#), "{text}");
    }

    #[test]
    fn missing_fields_take_defaults_and_unknown_fields_are_ignored() {
        let seek = decode_client(r#"{"request_id":"s","extra":[1,{"x":2}],"type":"seek"}"#);
        let expected = pb::Seek {
            position_ms: 0,
            request_id: "s".into(),
        };
        assert_eq!(seek.unwrap(), ClientMessage::new(expected));
        let danmaku = decode_client(r#"{"type":"danmaku","text":"a","mode":2}"#).unwrap();
        let Some(client_message::Kind::Danmaku(danmaku)) = danmaku.kind else {
            panic!("{danmaku:?}")
        };
        assert_eq!(danmaku.mode(), pb::DanmakuMode::Bottom);
        let bare = decode_server(r#"{"type":"viewer_count","viewers":3}"#).unwrap();
        assert_eq!((bare.seq, bare.server_time_ms), (0, 0));
    }

    #[test]
    fn malformed_messages_are_bad_messages() {
        let bad = [
            "",
            "not json",
            "[]",
            r#"{"text":"no type"}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"welcome"}"#,
            r#"{"type":"seek","position_ms":-1,"request_id":"s"}"#,
            r#"{"type":"seek","position_ms":1.5,"request_id":"s"}"#,
            r#"{"type":"seek","position_ms":18446744073709551616,"request_id":"s"}"#,
            r#"{"type":"chat","text":7}"#,
            r#"{"type":"danmaku","mode":"sideways"}"#,
            r#"{"type":"danmaku","mode":"TOP"}"#,
            r#"{"type":"chat","text":"hi"} trailing"#,
        ];
        for text in bad {
            let error = decode_client(text).unwrap_err();
            assert_eq!(error.code(), "bad_message", "{text}: {error}");
        }
    }

    #[test]
    fn a_message_without_a_case_encodes_as_what_decoders_refuse() {
        assert_eq!(encode_client(&ClientMessage::default()), "{}");
        assert_eq!(decode_client("{}").unwrap_err().code(), "bad_message");
        let bare = encode_server(&ServerMessage::default());
        assert_eq!(bare, r#"{"seq":0,"server_time_ms":0}"#);
        assert_eq!(decode_server(&bare).unwrap_err().code(), "bad_message");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!(
            r#"{{"type":"heartbeat","x":{}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert_eq!(decode_client(&deep).unwrap_err().code(), "bad_message");
    }

    #[test]
    fn frames_over_the_limit_are_refused_before_parsing() {
        let text = format!(
            r#"{{"type":"chat","text":"{}"}}"#,
            "a".repeat(MAX_CLIENT_MESSAGE_BYTES)
        );
        let error = decode_client(&text).unwrap_err();
        assert_eq!(error.code(), "too_large");
        let at_limit = format!(r#"{{"type":"chat","text":"{}"}}"#, "a".repeat(60_000));
        assert!(decode_client(&at_limit).is_ok());
    }

    proptest! {
        #[test]
        fn any_client_message_round_trips(message in arbitrary::client_message()) {
            let text = encode_client(&message);
            prop_assert_eq!(decode_client(&text).unwrap(), message);
        }

        #[test]
        fn any_server_message_round_trips(message in arbitrary::server_message()) {
            let text = encode_server(&message);
            prop_assert_eq!(decode_server(&text).unwrap(), message);
        }

        #[test]
        fn any_text_decodes_or_fails_cleanly(text in ".{0,64}") {
            let _ = decode_client(&text);
            let _ = decode_server(&text);
        }
    }
}

#[cfg(test)]
mod documented {
    use super::*;

    /// Every JSON line in the protocol documentation's code blocks.
    fn examples() -> Vec<&'static str> {
        let doc = include_str!("../../../docs/realtime.md");
        let mut in_block = false;
        let mut lines = Vec::new();
        for line in doc.lines() {
            if line.starts_with("```") {
                in_block = !in_block;
            } else if in_block && line.starts_with('{') {
                lines.push(line);
            }
        }
        lines
    }

    #[test]
    fn every_documented_example_parses_and_reserialises_identically() {
        let examples = examples();
        assert!(examples.len() > 30, "{}", examples.len());
        for example in examples {
            let again = if example.contains(r#""seq":"#) {
                decode_server(example).map(|m| encode_server(&m))
            } else {
                decode_client(example).map(|m| encode_client(&m))
            };
            let again = again.unwrap_or_else(|e| panic!("{example}: {e}"));
            assert_eq!(again, example);
        }
    }
}
