use amf0::Value;

use super::RawCommand;

/// `_result` or `_error`: the answer to a command with a transaction id.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandResult {
    pub transaction_id: f64,
    /// `_result` (true) or `_error` (false).
    pub success: bool,
    pub object: Value,
    pub args: Vec<Value>,
}

impl CommandResult {
    /// An empty `_result` (for commands that need no answer but get one).
    pub fn empty(transaction_id: f64) -> CommandResult {
        CommandResult {
            transaction_id,
            success: true,
            object: Value::Null,
            args: vec![Value::Undefined],
        }
    }

    pub fn parse(raw: &RawCommand) -> CommandResult {
        CommandResult {
            transaction_id: raw.transaction_id,
            success: raw.name == "_result",
            object: raw.object.clone(),
            args: raw.args.clone(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let name = if self.success { "_result" } else { "_error" };
        RawCommand::new(
            name,
            self.transaction_id,
            self.object.clone(),
            self.args.clone(),
        )
    }

    /// The `code` of the information object (first argument), if any.
    pub fn info_code(&self) -> Option<&str> {
        self.args.first()?.property("code")?.as_str()
    }

    /// The `description` of the information object, if any.
    pub fn info_description(&self) -> Option<&str> {
        self.args.first()?.property("description")?.as_str()
    }

    /// The first argument as a number (the stream id of a createStream result).
    pub fn number(&self) -> Option<f64> {
        self.args.first()?.as_f64()
    }
}
