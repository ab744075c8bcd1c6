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
    to_string(&message.kind)
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
            if name.bytes().any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')) {
                return Err(unknown());
            }
            let full = format!("{}{}", E::PREFIX, name.to_ascii_uppercase());
            E::from_str_name(&full).map(Into::into).ok_or_else(unknown)
        }

        fn visit_i64<Er: de::Error>(self, value: i64) -> Result<i32, Er> {
            i32::try_from(value).map_err(|_| Er::invalid_value(de::Unexpected::Signed(value), &self))
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
