use amf0::Value;

use super::RawCommand;
use crate::error::MessageError;

/// `play(name, start, duration, reset)`: start receiving a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    pub transaction_id: f64,
    /// The stream name, possibly with a `?query`.
    pub name: String,
    /// -2 (live or recorded), -1 (live only) or a position in seconds.
    pub start: f64,
    /// -1 for until the end.
    pub duration: f64,
    pub reset: bool,
}

impl Play {
    /// A live play request for `name`.
    pub fn new(name: &str) -> Play {
        Play {
            transaction_id: 0.0,
            name: name.to_owned(),
            start: -2.0,
            duration: -1.0,
            reset: true,
        }
    }

    pub fn parse(raw: &RawCommand) -> Result<Play, MessageError> {
        let name = raw.str_arg(0).ok_or(MessageError::MissingField {
            command: "play",
            field: "name",
        })?;
        let reset = match raw.args.get(3) {
            Some(Value::Boolean(b)) => *b,
            Some(Value::Number(n)) => *n != 0.0,
            _ => true,
        };
        Ok(Play {
            transaction_id: raw.transaction_id,
            name: name.to_owned(),
            start: raw.num_arg(1).unwrap_or(-2.0),
            duration: raw.num_arg(2).unwrap_or(-1.0),
            reset,
        })
    }

    pub fn to_raw(&self) -> RawCommand {
        let args = vec![
            self.name.as_str().into(),
            Value::Number(self.start),
            Value::Number(self.duration),
            Value::Boolean(self.reset),
        ];
        RawCommand::new("play", self.transaction_id, Value::Null, args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_arguments_default() {
        let raw = RawCommand::new("play", 0.0, Value::Null, vec!["room".into()]);
        let play = Play::parse(&raw).unwrap();
        assert_eq!((play.start, play.duration, play.reset), (-2.0, -1.0, true));
    }

    #[test]
    fn round_trips() {
        let play = Play::new("room?token=x");
        assert_eq!(Play::parse(&play.to_raw()).unwrap(), play);
    }
}
