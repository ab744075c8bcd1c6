use amf0::Value;

use super::RawCommand;

/// `deleteStream(id)`: the client is done with a message stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeleteStream {
    pub transaction_id: f64,
    /// The stream id argument, if it was a valid one.
    pub stream_id: Option<u32>,
}

impl DeleteStream {
    pub fn parse(raw: &RawCommand) -> DeleteStream {
        let stream_id = raw
            .num_arg(0)
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u32);
        DeleteStream {
            transaction_id: raw.transaction_id,
            stream_id,
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let id = f64::from(self.stream_id.unwrap_or(0));
        RawCommand::new(
            "deleteStream",
            self.transaction_id,
            Value::Null,
            vec![id.into()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonsense_ids_are_none() {
        for n in [-1.0, 1.5, f64::NAN, 1e20] {
            let raw = RawCommand::new("deleteStream", 0.0, Value::Null, vec![n.into()]);
            assert_eq!(DeleteStream::parse(&raw).stream_id, None);
        }
    }
}
