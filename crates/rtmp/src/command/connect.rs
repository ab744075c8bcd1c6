use amf0::Value;

use super::{CommandResult, RawCommand};

/// `connect`: the first command of a connection, naming the application.
#[derive(Debug, Clone, PartialEq)]
pub struct Connect {
    pub transaction_id: f64,
    /// The application (`live` in `rtmp://host/live/key`); empty if absent.
    pub app: String,
    pub tc_url: Option<String>,
    /// 0 for AMF0 (the only encoding spoken here), 3 for AMF3.
    pub object_encoding: f64,
}

impl Connect {
    /// The connect a client sends.
    pub fn new(app: &str, tc_url: &str) -> Connect {
        Connect {
            transaction_id: 1.0,
            app: app.to_owned(),
            tc_url: Some(tc_url.to_owned()),
            object_encoding: 0.0,
        }
    }

    pub fn parse(raw: &RawCommand) -> Connect {
        let text = |key: &str| raw.object.property(key).and_then(Value::as_str);
        Connect {
            transaction_id: raw.transaction_id,
            app: text("app").unwrap_or_default().trim_matches('/').to_owned(),
            tc_url: text("tcUrl").map(str::to_owned),
            object_encoding: raw
                .object
                .property("objectEncoding")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        }
    }

    pub fn to_raw(&self) -> RawCommand {
        let mut props = vec![
            ("app", Value::from(self.app.as_str())),
            ("type", Value::from("nonprivate")),
            ("flashVer", Value::from("FMLE/3.0 (compatible; synctv)")),
        ];
        if let Some(tc_url) = &self.tc_url {
            props.push(("tcUrl", Value::from(tc_url.as_str())));
        }
        props.extend([
            ("fpad", Value::Boolean(false)),
            ("capabilities", Value::Number(15.0)),
            ("audioCodecs", Value::Number(4071.0)),
            ("videoCodecs", Value::Number(252.0)),
            ("videoFunction", Value::Number(1.0)),
            ("objectEncoding", Value::Number(self.object_encoding)),
        ]);
        RawCommand::new("connect", self.transaction_id, Value::object(props), vec![])
    }

    /// The `_result` a server answers a successful connect with.
    pub fn success(&self) -> CommandResult {
        let properties = Value::object([
            ("fmsVer", Value::from("FMS/3,0,1,123")),
            ("capabilities", Value::Number(31.0)),
        ]);
        let info = Value::object([
            ("level", Value::from("status")),
            ("code", Value::from("NetConnection.Connect.Success")),
            ("description", Value::from("Connection succeeded.")),
            ("objectEncoding", Value::Number(self.object_encoding)),
        ]);
        CommandResult {
            transaction_id: self.transaction_id,
            success: true,
            object: properties,
            args: vec![info],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_connect_reads_back() {
        let connect = Connect::new("live", "rtmp://h/live");
        let raw = RawCommand::parse(&connect.to_raw().encode()).unwrap();
        assert_eq!(Connect::parse(&raw), connect);
    }

    #[test]
    fn success_carries_the_connect_code() {
        let result = Connect::new("live", "rtmp://h/live").success();
        assert_eq!(result.info_code(), Some("NetConnection.Connect.Success"));
        assert_eq!(result.to_raw().name, "_result");
    }
}
