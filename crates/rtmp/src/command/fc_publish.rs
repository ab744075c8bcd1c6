use amf0::Value;

use super::RawCommand;

/// `FCPublish(name)`: announces a publish of this name (Flash Media Live Encoder convention).
#[derive(Debug, Clone, PartialEq)]
pub struct FcPublish {
    pub transaction_id: f64,
    /// The stream name; empty if absent.
    pub name: String,
}

impl FcPublish {
    pub fn parse(raw: &RawCommand) -> FcPublish {
        FcPublish {
            transaction_id: raw.transaction_id,
            name: raw.str_arg(0).unwrap_or_default().to_owned(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![self.name.as_str().into()];
        RawCommand::new("FCPublish", self.transaction_id, Value::Null, args)
    }
}
