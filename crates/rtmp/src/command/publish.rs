use amf0::Value;

use super::RawCommand;
use crate::error::MessageError;

/// `publish(name, type)`: start sending media on this message stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Publish {
    pub transaction_id: f64,
    /// The publishing name, possibly with a `?query`.
    pub name: String,
    /// `live`, `record` or `append`; `live` if absent.
    pub kind: String,
}

impl Publish {
    pub fn parse(raw: &RawCommand) -> Result<Publish, MessageError> {
        let name = raw.str_arg(0).ok_or(MessageError::MissingField {
            command: "publish",
            field: "name",
        })?;
        Ok(Publish {
            transaction_id: raw.transaction_id,
            name: name.to_owned(),
            kind: raw.str_arg(1).unwrap_or("live").to_owned(),
        })
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![self.name.as_str().into(), self.kind.as_str().into()];
        RawCommand::new("publish", self.transaction_id, Value::Null, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_without_a_name_is_refused() {
        let raw = RawCommand::new("publish", 0.0, Value::Null, vec![]);
        assert!(Publish::parse(&raw).is_err());
    }
}
