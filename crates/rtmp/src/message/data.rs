use bytes::Bytes;

use crate::error::MessageError;

/// The name a publisher wraps metadata in; it is stripped on the way in.
pub const SET_DATA_FRAME: &str = "@setDataFrame";

/// A script data message.
///
/// `body` is what is relayed to viewers: the original bytes starting at the
/// handler name (`onMetaData`, …), with a leading `@setDataFrame` removed.
#[derive(Debug, Clone, PartialEq)]
pub struct DataMessage {
    /// The handler name (first AMF0 string of `body`), empty if there is none.
    pub name: String,
    /// Whether the publisher wrapped it in `@setDataFrame`.
    pub set_data_frame: bool,
    pub body: Bytes,
}

impl DataMessage {
    /// Reads the handler name, stripping `@setDataFrame` without copying.
    pub fn parse(payload: Bytes) -> Result<DataMessage, MessageError> {
        let (first, rest) = first_string(&payload)?;
        if first.as_deref() != Some(SET_DATA_FRAME) {
            return Ok(DataMessage {
                name: first.unwrap_or_default(),
                set_data_frame: false,
                body: payload,
            });
        }
        let body = payload.slice(payload.len() - rest..);
        let (name, _) = first_string(&body)?;
        Ok(DataMessage {
            name: name.unwrap_or_default(),
            set_data_frame: true,
            body,
        })
    }

    /// A data message `body` wrapped in `@setDataFrame`, as publishers send
    /// metadata.
    pub fn wrap_set_data_frame(body: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(body.len() + 16);
        amf0::encode(&amf0::Value::from(SET_DATA_FRAME), &mut out);
        out.extend_from_slice(body);
        out.into()
    }
}

/// The first value of `payload` if it is a string, and how many bytes follow it.
fn first_string(payload: &[u8]) -> Result<(Option<String>, usize), MessageError> {
    if payload.is_empty() {
        return Ok((None, 0));
    }
    let mut rest = payload;
    let value = amf0::decode(&mut rest)?;
    Ok((value.as_str().map(str::to_owned), rest.len()))
}

#[cfg(test)]
mod tests {
    use amf0::Value;

    use super::*;

    fn metadata() -> Vec<u8> {
        amf0::encode_all(&[
            Value::from("onMetaData"),
            Value::EcmaArray(vec![("width".into(), Value::Number(1280.0))]),
        ])
    }

    #[test]
    fn set_data_frame_is_stripped_to_the_original_bytes() {
        let body = metadata();
        let wrapped = DataMessage::wrap_set_data_frame(&body);
        let parsed = DataMessage::parse(wrapped).unwrap();
        assert_eq!(parsed.name, "onMetaData");
        assert!(parsed.set_data_frame);
        assert_eq!(&parsed.body[..], &body[..]);
    }

    #[test]
    fn plain_metadata_is_kept_whole() {
        let parsed = DataMessage::parse(metadata().into()).unwrap();
        assert_eq!(parsed.name, "onMetaData");
        assert!(!parsed.set_data_frame);
    }

    #[test]
    fn garbage_is_an_amf0_error() {
        assert!(DataMessage::parse(Bytes::from_static(&[0x02, 0, 9])).is_err());
    }
}
