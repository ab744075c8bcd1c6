use amf0::Value;

use super::RawCommand;

/// `releaseStream(name)`: asks the server to drop a stale publisher of this name (sent before publishing).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseStream {
    pub transaction_id: f64,
    /// The stream name; empty if absent.
    pub name: String,
}

impl ReleaseStream {
    pub fn parse(raw: &RawCommand) -> ReleaseStream {
        ReleaseStream {
            transaction_id: raw.transaction_id,
            name: raw.str_arg(0).unwrap_or_default().to_owned(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![self.name.as_str().into()];
        RawCommand::new("releaseStream", self.transaction_id, Value::Null, args)
    }
}
