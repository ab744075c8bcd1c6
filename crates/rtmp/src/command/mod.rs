//! AMF0 commands: one file per command, one enum to dispatch.
//!
//! Every command shares one shape on the wire ([`RawCommand`]): a name, a
//! transaction id, a command object and further arguments. [`Command::parse`]
//! gives the ones sessions act on their typed form.

mod check_bw;
mod close_stream;
mod connect;
mod create_stream;
mod delete_stream;
mod fc_publish;
mod fc_unpublish;
mod get_stream_length;
mod on_status;
mod play;
mod publish;
mod release_stream;
mod result;

use amf0::Value;
use bytes::Bytes;

pub use check_bw::CheckBw;
pub use close_stream::CloseStream;
pub use connect::Connect;
pub use create_stream::CreateStream;
pub use delete_stream::DeleteStream;
pub use fc_publish::FcPublish;
pub use fc_unpublish::FcUnpublish;
pub use get_stream_length::GetStreamLength;
pub use on_status::{status_code, OnStatus, StatusLevel};
pub use play::Play;
pub use publish::Publish;
pub use release_stream::ReleaseStream;
pub use result::CommandResult;

use crate::error::MessageError;

/// A command in its generic wire shape.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCommand {
    pub name: String,
    pub transaction_id: f64,
    /// The command object (often `Null`).
    pub object: Value,
    pub args: Vec<Value>,
}

impl RawCommand {
    pub fn new(name: &str, transaction_id: f64, object: Value, args: Vec<Value>) -> RawCommand {
        RawCommand {
            name: name.to_owned(),
            transaction_id,
            object,
            args,
        }
    }

    /// Reads a command message payload.
    pub fn parse(payload: &[u8]) -> Result<RawCommand, MessageError> {
        let mut values = amf0::decode_all(payload)?.into_iter();
        let name = match values.next() {
            Some(Value::String(s) | Value::LongString(s)) => s,
            _ => {
                return Err(MessageError::MalformedCommand {
                    reason: "no command name",
                })
            }
        };
        // Some senders omit the transaction id of notifications; treat it as 0.
        let transaction_id = values.next().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let object = values.next().unwrap_or(Value::Null);
        Ok(RawCommand {
            name,
            transaction_id,
            object,
            args: values.collect(),
        })
    }

    /// The command message payload.
    pub fn encode(&self) -> Bytes {
        let mut out = Vec::new();
        amf0::encode(&Value::from(self.name.as_str()), &mut out);
        amf0::encode(&Value::Number(self.transaction_id), &mut out);
        amf0::encode(&self.object, &mut out);
        for arg in &self.args {
            amf0::encode(arg, &mut out);
        }
        out.into()
    }

    /// The `i`th argument after the command object, as a string.
    pub(crate) fn str_arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).and_then(Value::as_str)
    }

    /// The `i`th argument after the command object, as a number.
    pub(crate) fn num_arg(&self, i: usize) -> Option<f64> {
        self.args.get(i).and_then(Value::as_f64)
    }
}

/// A command, by name.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Connect(Connect),
    CreateStream(CreateStream),
    ReleaseStream(ReleaseStream),
    FcPublish(FcPublish),
    FcUnpublish(FcUnpublish),
    Publish(Publish),
    Play(Play),
    DeleteStream(DeleteStream),
    CloseStream(CloseStream),
    GetStreamLength(GetStreamLength),
    CheckBw(CheckBw),
    /// `_result` or `_error`.
    Result(CommandResult),
    OnStatus(OnStatus),
    /// Anything else (onBWDone, onFCPublish, custom calls).
    Other(RawCommand),
}

impl Command {
    /// Gives a raw command its typed form.
    pub fn parse(raw: RawCommand) -> Result<Command, MessageError> {
        let command = match raw.name.as_str() {
            "connect" => Command::Connect(Connect::parse(&raw)),
            "createStream" => Command::CreateStream(CreateStream::parse(&raw)),
            "releaseStream" => Command::ReleaseStream(ReleaseStream::parse(&raw)),
            "FCPublish" => Command::FcPublish(FcPublish::parse(&raw)),
            "FCUnpublish" => Command::FcUnpublish(FcUnpublish::parse(&raw)),
            "publish" => Command::Publish(Publish::parse(&raw)?),
            "play" => Command::Play(Play::parse(&raw)?),
            "deleteStream" => Command::DeleteStream(DeleteStream::parse(&raw)),
            "closeStream" => Command::CloseStream(CloseStream::parse(&raw)),
            "getStreamLength" => Command::GetStreamLength(GetStreamLength::parse(&raw)),
            "_checkbw" => Command::CheckBw(CheckBw::parse(&raw)),
            "_result" | "_error" => Command::Result(CommandResult::parse(&raw)),
            "onStatus" => Command::OnStatus(OnStatus::parse(&raw)),
            _ => Command::Other(raw),
        };
        Ok(command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_commands_round_trip() {
        let raw = RawCommand::new(
            "publish",
            5.0,
            Value::Null,
            vec!["key?token=1".into(), "live".into()],
        );
        assert_eq!(RawCommand::parse(&raw.encode()).unwrap(), raw);
    }

    #[test]
    fn a_command_needs_a_name() {
        let payload = amf0::encode_all(&[Value::Number(1.0)]);
        assert!(RawCommand::parse(&payload).is_err());
        assert!(RawCommand::parse(&[]).is_err());
    }

    #[test]
    fn a_notification_without_transaction_id_is_read() {
        let payload = amf0::encode_all(&[Value::from("onBWDone")]);
        let raw = RawCommand::parse(&payload).unwrap();
        assert_eq!(raw.transaction_id, 0.0);
        assert!(matches!(Command::parse(raw).unwrap(), Command::Other(_)));
    }
}
