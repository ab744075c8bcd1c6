use amf0::Value;

use super::RawCommand;

/// `getStreamLength(name)`: asks for the length of a recorded stream (players send it before play).
#[derive(Debug, Clone, PartialEq)]
pub struct GetStreamLength {
    pub transaction_id: f64,
    /// The stream name; empty if absent.
    pub name: String,
}

impl GetStreamLength {
    pub fn parse(raw: &RawCommand) -> GetStreamLength {
        GetStreamLength {
            transaction_id: raw.transaction_id,
            name: raw.str_arg(0).unwrap_or_default().to_owned(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![self.name.as_str().into()];
        RawCommand::new("getStreamLength", self.transaction_id, Value::Null, args)
    }
}
