//! A flat JSON object writer (one line, keys in insertion order).

use std::fmt::Write;

#[derive(Debug, Default)]
pub struct Obj {
    out: String,
}

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    fn key(&mut self, k: &str) {
        self.out.push(if self.out.is_empty() { '{' } else { ',' });
        quote(&mut self.out, k);
        self.out.push(':');
    }

    pub fn str(&mut self, k: &str, v: &str) -> &mut Obj {
        self.key(k);
        quote(&mut self.out, v);
        self
    }

    pub fn int(&mut self, k: &str, v: u64) -> &mut Obj {
        self.key(k);
        let _ = write!(self.out, "{v}");
        self
    }

    /// A number with one decimal; `None` and non-finite values are null.
    pub fn num(&mut self, k: &str, v: Option<f64>) -> &mut Obj {
        self.key(k);
        match v {
            Some(x) if x.is_finite() => {
                let _ = write!(self.out, "{:.1}", x);
            }
            _ => self.out.push_str("null"),
        }
        self
    }

    pub fn nums(&mut self, k: &str, v: &[f64]) -> &mut Obj {
        self.key(k);
        self.out.push('[');
        for (i, x) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{:.1}", x);
        }
        self.out.push(']');
        self
    }

    /// Insert an already-encoded JSON value.
    pub fn raw(&mut self, k: &str, json: &str) -> &mut Obj {
        self.key(k);
        self.out.push_str(json);
        self
    }

    pub fn finish(&mut self) -> String {
        let mut s = std::mem::take(&mut self.out);
        if s.is_empty() {
            s.push('{');
        }
        s.push('}');
        s
    }
}

fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Value at percentile `p` (0-100) of sorted data, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_valid_single_lines() {
        let s = Obj::new()
            .str("a", "x\"y\n")
            .int("n", 3)
            .num("f", Some(1.26))
            .num("z", None)
            .nums("v", &[1.0, 2.5])
            .raw("o", "{}")
            .finish();
        assert_eq!(s, r#"{"a":"x\"y\n","n":3,"f":1.3,"z":null,"v":[1.0,2.5],"o":{}}"#);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
