use amf0::Value;

use super::{CommandResult, RawCommand};

/// `createStream`: asks for a message stream id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreateStream {
    pub transaction_id: f64,
}

impl CreateStream {
    pub fn parse(raw: &RawCommand) -> CreateStream {
        CreateStream {
            transaction_id: raw.transaction_id,
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        RawCommand::new("createStream", self.transaction_id, Value::Null, vec![])
    }

    /// The `_result` carrying the new stream id.
    pub fn success(&self, stream_id: u32) -> CommandResult {
        CommandResult {
            transaction_id: self.transaction_id,
            success: true,
            object: Value::Null,
            args: vec![Value::Number(f64::from(stream_id))],
        }
    }
}
