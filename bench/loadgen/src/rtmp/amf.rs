//! The little AMF0 a player needs: write command arguments, read a command's
//! name, transaction id, numbers and the status strings inside objects.

const NUMBER: u8 = 0x00;
const BOOLEAN: u8 = 0x01;
const STRING: u8 = 0x02;
const OBJECT: u8 = 0x03;
const NULL: u8 = 0x05;
const UNDEFINED: u8 = 0x06;
const REFERENCE: u8 = 0x07;
const ECMA_ARRAY: u8 = 0x08;
const OBJECT_END: u8 = 0x09;
const STRICT_ARRAY: u8 = 0x0a;
const DATE: u8 = 0x0b;
const LONG_STRING: u8 = 0x0c;
const MAX_DEPTH: u32 = 16;

pub fn write_number(out: &mut Vec<u8>, n: f64) {
    out.push(NUMBER);
    out.extend_from_slice(&n.to_be_bytes());
}

pub fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(STRING);
    write_key(out, s);
}

pub fn write_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(&[BOOLEAN, u8::from(b)]);
}

pub fn write_null(out: &mut Vec<u8>) {
    out.push(NULL);
}

pub fn begin_object(out: &mut Vec<u8>) {
    out.push(OBJECT);
}

/// A property name inside an object (a string without its type marker).
pub fn write_key(out: &mut Vec<u8>, key: &str) {
    let len = u16::try_from(key.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&key.as_bytes()[..usize::from(len)]);
}

pub fn end_object(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, 0, OBJECT_END]);
}

/// A top-level value as far as a player cares.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Str(String),
    Other,
}

/// Strings found under the keys `level`, `code` and `description`, at any depth.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub level: String,
    pub code: String,
    pub description: String,
}

#[derive(Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    pub status: Status,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            status: Status::default(),
        }
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Next value, or None when the bytes are malformed or exhausted.
    pub fn value(&mut self) -> Option<Value> {
        self.value_at(0, None)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u16(&mut self) -> Option<usize> {
        self.take(2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    fn u32(&mut self) -> Option<usize> {
        self.take(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn text(&mut self, len: usize) -> Option<String> {
        self.take(len).map(|b| String::from_utf8_lossy(b).into_owned())
    }

    fn value_at(&mut self, depth: u32, key: Option<&str>) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let marker = *self.take(1)?.first()?;
        let value = match marker {
            NUMBER => {
                let b = self.take(8)?;
                Value::Number(f64::from_be_bytes(b.try_into().ok()?))
            }
            BOOLEAN => {
                self.take(1)?;
                Value::Other
            }
            STRING => {
                let len = self.u16()?;
                Value::Str(self.text(len)?)
            }
            LONG_STRING => {
                let len = self.u32()?;
                Value::Str(self.text(len)?)
            }
            OBJECT => {
                self.properties(depth)?;
                Value::Other
            }
            ECMA_ARRAY => {
                self.u32()?;
                self.properties(depth)?;
                Value::Other
            }
            STRICT_ARRAY => {
                for _ in 0..self.u32()? {
                    self.value_at(depth + 1, None)?;
                }
                Value::Other
            }
            DATE => {
                self.take(10)?;
                Value::Other
            }
            REFERENCE => {
                self.take(2)?;
                Value::Other
            }
            NULL | UNDEFINED => Value::Other,
            _ => return None,
        };
        if let (Some(key), Value::Str(s)) = (key, &value) {
            match key {
                "level" => self.status.level = s.clone(),
                "code" => self.status.code = s.clone(),
                "description" => self.status.description = s.clone(),
                _ => {}
            }
        }
        Some(value)
    }

    fn properties(&mut self, depth: u32) -> Option<()> {
        loop {
            let len = self.u16()?;
            if len == 0 {
                if *self.take(1)?.first()? == OBJECT_END {
                    return Some(());
                }
                return None;
            }
            let key = self.text(len)?;
            self.value_at(depth + 1, Some(&key))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_come_out_of_an_on_status_command() {
        let mut b = Vec::new();
        write_string(&mut b, "onStatus");
        write_number(&mut b, 0.0);
        write_null(&mut b);
        begin_object(&mut b);
        write_key(&mut b, "level");
        write_string(&mut b, "status");
        write_key(&mut b, "code");
        write_string(&mut b, "NetStream.Play.Start");
        write_key(&mut b, "clientid");
        write_number(&mut b, 1.0);
        write_key(&mut b, "isFastPlay");
        write_bool(&mut b, false);
        end_object(&mut b);
        let mut r = Reader::new(&b);
        assert_eq!(r.value(), Some(Value::Str("onStatus".into())));
        assert_eq!(r.value(), Some(Value::Number(0.0)));
        assert_eq!(r.value(), Some(Value::Other));
        assert_eq!(r.value(), Some(Value::Other));
        assert!(r.at_end());
        assert_eq!(r.status.code, "NetStream.Play.Start");
        assert_eq!(r.status.level, "status");
    }

    #[test]
    fn truncated_values_end_reading() {
        let mut r = Reader::new(&[STRING, 0, 9, b'a']);
        assert_eq!(r.value(), None);
    }
}
