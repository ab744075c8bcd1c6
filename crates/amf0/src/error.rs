use thiserror::Error;

/// Why an AMF0 byte string could not be decoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Amf0Error {
    #[error("AMF0 value truncated")]
    Truncated,
    #[error("unknown AMF0 type marker 0x{0:02x}")]
    UnknownMarker(u8),
    #[error("AMF0 value nested deeper than {limit}")]
    TooDeep { limit: usize },
    #[error("AMF0 message holds more than {limit} values")]
    TooManyElements { limit: usize },
    #[error("AMF0 string is not UTF-8")]
    InvalidUtf8,
}
