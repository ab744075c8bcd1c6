use crate::decode::marker;
use crate::Value;

/// Appends the encoding of `value` to `out`.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Number(n) => {
            out.push(marker::NUMBER);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Value::Boolean(b) => out.extend_from_slice(&[marker::BOOLEAN, u8::from(*b)]),
        Value::String(s) => encode_string_value(s, out),
        Value::LongString(s) => {
            out.push(marker::LONG_STRING);
            encode_long_utf8(s, out);
        }
        Value::Object(props) => {
            out.push(marker::OBJECT);
            encode_properties(props, out);
        }
        Value::Null => out.push(marker::NULL),
        Value::Undefined => out.push(marker::UNDEFINED),
        Value::EcmaArray(props) => {
            out.push(marker::ECMA_ARRAY);
            out.extend_from_slice(&len_u32(props.len()).to_be_bytes());
            encode_properties(props, out);
        }
        Value::StrictArray(items) => {
            out.push(marker::STRICT_ARRAY);
            out.extend_from_slice(&len_u32(items.len()).to_be_bytes());
            for item in items {
                encode(item, out);
            }
        }
        Value::Date { millis, timezone } => {
            out.push(marker::DATE);
            out.extend_from_slice(&millis.to_be_bytes());
            out.extend_from_slice(&timezone.to_be_bytes());
        }
    }
}

/// The encoding of every value in turn, as one message body.
pub fn encode_all(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        encode(value, &mut out);
    }
    out
}

/// Short strings use the string marker; longer ones must be long strings.
fn encode_string_value(s: &str, out: &mut Vec<u8>) {
    if s.len() > usize::from(u16::MAX) {
        out.push(marker::LONG_STRING);
        encode_long_utf8(s, out);
    } else {
        out.push(marker::STRING);
        encode_utf8(s, out);
    }
}

fn encode_properties(props: &[(String, Value)], out: &mut Vec<u8>) {
    for (key, value) in props {
        encode_utf8(key, out);
        encode(value, out);
    }
    out.extend_from_slice(&[0, 0, marker::OBJECT_END]);
}

/// A key or short string: 16-bit length, then bytes (cut at 65535 bytes on a
/// character boundary so the output stays valid UTF-8).
fn encode_utf8(s: &str, out: &mut Vec<u8>) {
    let mut end = s.len().min(usize::from(u16::MAX));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_be_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

fn encode_long_utf8(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&len_u32(s.len()).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
