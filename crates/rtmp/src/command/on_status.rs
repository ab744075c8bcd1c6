use amf0::Value;

use super::RawCommand;

/// Status codes sessions send and recognise.
pub mod status_code {
    pub const PUBLISH_START: &str = "NetStream.Publish.Start";
    pub const PUBLISH_BAD_NAME: &str = "NetStream.Publish.BadName";
    pub const UNPUBLISH_SUCCESS: &str = "NetStream.Unpublish.Success";
    pub const PLAY_RESET: &str = "NetStream.Play.Reset";
    pub const PLAY_START: &str = "NetStream.Play.Start";
    pub const PLAY_STOP: &str = "NetStream.Play.Stop";
    pub const PLAY_STREAM_NOT_FOUND: &str = "NetStream.Play.StreamNotFound";
    pub const PLAY_UNPUBLISH_NOTIFY: &str = "NetStream.Play.UnpublishNotify";
    pub const CONNECT_REJECTED: &str = "NetConnection.Connect.Rejected";
}

/// The level of a status: `status`, `warning` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusLevel {
    Status,
    Warning,
    Error,
}

impl StatusLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusLevel::Status => "status",
            StatusLevel::Warning => "warning",
            StatusLevel::Error => "error",
        }
    }

    fn from_str(s: &str) -> StatusLevel {
        match s {
            "error" => StatusLevel::Error,
            "warning" => StatusLevel::Warning,
            _ => StatusLevel::Status,
        }
    }
}

/// `onStatus`: a NetStream status notification.
#[derive(Debug, Clone, PartialEq)]
pub struct OnStatus {
    pub level: StatusLevel,
    pub code: String,
    pub description: String,
}

impl OnStatus {
    pub fn new(level: StatusLevel, code: &str, description: &str) -> OnStatus {
        OnStatus {
            level,
            code: code.to_owned(),
            description: description.to_owned(),
        }
    }

    pub fn parse(raw: &RawCommand) -> OnStatus {
        let info = raw.args.first();
        let text = |key: &str| {
            info.and_then(|i| i.property(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        OnStatus {
            level: StatusLevel::from_str(text("level")),
            code: text("code").to_owned(),
            description: text("description").to_owned(),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let info = Value::object([
            ("level", Value::from(self.level.as_str())),
            ("code", Value::from(self.code.as_str())),
            ("description", Value::from(self.description.as_str())),
        ]);
        RawCommand::new("onStatus", 0.0, Value::Null, vec![info])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let status = OnStatus::new(StatusLevel::Error, status_code::PUBLISH_BAD_NAME, "no");
        assert_eq!(OnStatus::parse(&status.to_raw()), status);
    }
}
