use amf0::Value;

use super::RawCommand;

/// `FCUnpublish(name)`: announces the end of a publish of this name.
#[derive(Debug, Clone, PartialEq)]
pub struct FcUnpublish {
    pub transaction_id: f64,
    /// The stream name; empty if absent.
    pub name: String,
}

impl FcUnpublish {
    pub fn parse(raw: &RawCommand) -> FcUnpublish {
        FcUnpublish {
            transaction_id: raw.transaction_id,
            name: raw.str_arg(0).unwrap_or_default().to_owned(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![self.name.as_str().into()];
        RawCommand::new("FCUnpublish", self.transaction_id, Value::Null, args)
    }
}
