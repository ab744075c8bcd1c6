use crate::{Amf0Error, Value};

/// How deep objects and arrays may nest.
pub const MAX_DEPTH: usize = 32;
/// How many values (counting nested ones) one decode may produce.
pub const MAX_ELEMENTS: usize = 65_536;

pub(crate) mod marker {
    pub(crate) const NUMBER: u8 = 0x00;
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const STRING: u8 = 0x02;
    pub(crate) const OBJECT: u8 = 0x03;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const UNDEFINED: u8 = 0x06;
    pub(crate) const REFERENCE: u8 = 0x07;
    pub(crate) const ECMA_ARRAY: u8 = 0x08;
    pub(crate) const OBJECT_END: u8 = 0x09;
    pub(crate) const STRICT_ARRAY: u8 = 0x0a;
    pub(crate) const DATE: u8 = 0x0b;
    pub(crate) const LONG_STRING: u8 = 0x0c;
    pub(crate) const UNSUPPORTED: u8 = 0x0d;
    pub(crate) const XML_DOCUMENT: u8 = 0x0f;
    pub(crate) const TYPED_OBJECT: u8 = 0x10;
}

/// Decodes one value from the front of `buf` and advances it past the value.
pub fn decode(buf: &mut &[u8]) -> Result<Value, Amf0Error> {
    let mut budget = MAX_ELEMENTS;
    Reader {
        buf,
        budget: &mut budget,
    }
    .value(0)
}

/// Decodes every value in `buf` (a command or script data body).
pub fn decode_all(mut buf: &[u8]) -> Result<Vec<Value>, Amf0Error> {
    let mut budget = MAX_ELEMENTS;
    let mut values = Vec::new();
    while !buf.is_empty() {
        let value = Reader {
            buf: &mut buf,
            budget: &mut budget,
        }
        .value(0)?;
        values.push(value);
    }
    Ok(values)
}

struct Reader<'a, 'b> {
    buf: &'a mut &'b [u8],
    budget: &'a mut usize,
}

impl Reader<'_, '_> {
    fn value(&mut self, depth: usize) -> Result<Value, Amf0Error> {
        if depth > MAX_DEPTH {
            return Err(Amf0Error::TooDeep { limit: MAX_DEPTH });
        }
        *self.budget = self
            .budget
            .checked_sub(1)
            .ok_or(Amf0Error::TooManyElements {
                limit: MAX_ELEMENTS,
            })?;
        let m = self.u8()?;
        match m {
            marker::NUMBER => Ok(Value::Number(self.f64()?)),
            marker::BOOLEAN => Ok(Value::Boolean(self.u8()? != 0)),
            marker::STRING => {
                let len = usize::from(self.u16()?);
                Ok(Value::String(self.utf8(len)?))
            }
            marker::OBJECT => Ok(Value::Object(self.properties(depth)?)),
            marker::NULL => Ok(Value::Null),
            marker::UNDEFINED | marker::UNSUPPORTED => Ok(Value::Undefined),
            marker::REFERENCE => {
                self.u16()?;
                Ok(Value::Undefined)
            }
            marker::ECMA_ARRAY => {
                self.u32()?; // the count is advisory; the end marker is authoritative
                Ok(Value::EcmaArray(self.properties(depth)?))
            }
            marker::STRICT_ARRAY => self.strict_array(depth),
            marker::DATE => {
                let millis = self.f64()?;
                let timezone = i16::from_be_bytes(self.array()?);
                Ok(Value::Date { millis, timezone })
            }
            marker::LONG_STRING | marker::XML_DOCUMENT => {
                let len = self.u32()? as usize;
                Ok(Value::LongString(self.utf8(len)?))
            }
            marker::TYPED_OBJECT => {
                let len = usize::from(self.u16()?);
                self.utf8(len)?;
                Ok(Value::Object(self.properties(depth)?))
            }
            other => Err(Amf0Error::UnknownMarker(other)),
        }
    }

    fn properties(&mut self, depth: usize) -> Result<Vec<(String, Value)>, Amf0Error> {
        let mut props = Vec::new();
        loop {
            let len = usize::from(self.u16()?);
            if len == 0 && self.buf.first() == Some(&marker::OBJECT_END) {
                *self.buf = &self.buf[1..];
                return Ok(props);
            }
            let key = self.utf8(len)?;
            let value = self.value(depth + 1)?;
            props.push((key, value));
        }
    }

    fn strict_array(&mut self, depth: usize) -> Result<Value, Amf0Error> {
        let count = self.u32()? as usize;
        // Every value takes at least one byte: a count beyond the bytes left is a lie.
        if count > self.buf.len() {
            return Err(Amf0Error::Truncated);
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::StrictArray(items))
    }

    fn utf8(&mut self, len: usize) -> Result<String, Amf0Error> {
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Amf0Error::InvalidUtf8)
    }

    fn take(&mut self, len: usize) -> Result<&[u8], Amf0Error> {
        if self.buf.len() < len {
            return Err(Amf0Error::Truncated);
        }
        let (head, tail) = self.buf.split_at(len);
        *self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Amf0Error> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, Amf0Error> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, Amf0Error> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, Amf0Error> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn f64(&mut self) -> Result<f64, Amf0Error> {
        Ok(f64::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::{encode, encode_all};

    fn connect_command() -> Vec<Value> {
        vec![
            Value::from("connect"),
            Value::from(1.0),
            Value::object([
                ("app", Value::from("live")),
                ("tcUrl", Value::from("rtmp://h/live")),
                ("fpad", Value::from(false)),
            ]),
        ]
    }

    #[test]
    fn command_round_trips() {
        let values = connect_command();
        let bytes = encode_all(&values);
        assert_eq!(decode_all(&bytes).unwrap(), values);
        assert_eq!(
            values[2].property("app").and_then(Value::as_str),
            Some("live")
        );
    }

    #[test]
    fn every_variant_round_trips() {
        let values = vec![
            Value::Null,
            Value::Undefined,
            Value::EcmaArray(vec![("duration".into(), Value::from(0.0))]),
            Value::StrictArray(vec![Value::from(true), Value::from("x")]),
            Value::Date {
                millis: 1.5e12,
                timezone: -60,
            },
            Value::LongString("long".into()),
        ];
        assert_eq!(decode_all(&encode_all(&values)).unwrap(), values);
    }

    #[test]
    fn decode_advances_past_one_value() {
        let bytes = encode_all(&connect_command());
        let mut rest = &bytes[..];
        assert_eq!(decode(&mut rest).unwrap(), Value::from("connect"));
        assert_eq!(decode(&mut rest).unwrap(), Value::from(1.0));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut bytes = Vec::new();
        for _ in 0..(MAX_DEPTH + 2) {
            bytes.extend_from_slice(&[marker::OBJECT, 0, 1, b'a']);
        }
        bytes.push(marker::NULL);
        assert_eq!(
            decode_all(&bytes),
            Err(Amf0Error::TooDeep { limit: MAX_DEPTH })
        );
    }

    #[test]
    fn huge_strict_array_count_is_refused_without_allocating() {
        let bytes = [marker::STRICT_ARRAY, 0xff, 0xff, 0xff, 0xff, 5];
        assert_eq!(decode_all(&bytes), Err(Amf0Error::Truncated));
    }

    #[test]
    fn too_many_values_are_refused() {
        let mut bytes = vec![marker::STRICT_ARRAY];
        bytes.extend_from_slice(&(MAX_ELEMENTS as u32 + 1).to_be_bytes());
        bytes.resize(bytes.len() + MAX_ELEMENTS + 1, marker::NULL);
        assert_eq!(
            decode_all(&bytes),
            Err(Amf0Error::TooManyElements {
                limit: MAX_ELEMENTS
            })
        );
    }

    #[test]
    fn truncation_at_every_point_is_an_error() {
        let bytes = encode_all(&connect_command());
        for cut in 1..bytes.len() {
            let mut rest = &bytes[..cut];
            let mut ok = 0;
            while !rest.is_empty() {
                if decode(&mut rest).is_err() {
                    break;
                }
                ok += 1;
            }
            assert!(ok < 3, "cut at {cut} decoded everything");
        }
    }

    #[test]
    fn regression_corpus_never_panics() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let _ = decode_all(&bytes);
            seen += 1;
        }
        assert!(seen > 0);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_all(&bytes);
        }

        #[test]
        fn decoded_values_re_encode_and_decode_the_same(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(values) = decode_all(&bytes) {
                let again = decode_all(&encode_all(&values));
                // NaN never equals itself; compare encodings instead.
                let mut a = Vec::new();
                for v in &values { encode(v, &mut a); }
                prop_assert_eq!(encode_all(&again.unwrap()), a);
            }
        }
    }
}
