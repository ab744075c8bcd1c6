//! The little HTTP/1.1 request parsing the raw HTTP-FLV path needs.

use std::io;

/// The parts of a request head synctv looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    /// The path without the query.
    pub(crate) path: String,
    pub(crate) query: Option<String>,
}

/// Parses a request head once `buf` holds all of it; `Ok(None)` means
/// "not complete yet".
pub(crate) fn parse_head(buf: &[u8]) -> io::Result<Option<RequestHead>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head =
        std::str::from_utf8(&buf[..end]).map_err(|_| invalid("request head is not UTF-8"))?;
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("unsupported HTTP version"));
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query.to_owned())),
        None => (target, None),
    };
    Ok(Some(RequestHead {
        method: method.to_owned(),
        path: path.to_owned(),
        query,
    }))
}

/// `S` of `/flv/S.flv`, when it is a valid stream name.
pub(crate) fn flv_stream_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix("/flv/")?.strip_suffix(".flv")?;
    is_stream_name(name).then_some(name)
}

/// Stream names: 1–128 of `A-Z a-z 0-9 _ - .`, not starting with a dot.
pub fn is_stream_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

pub(crate) fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_head_parses_with_its_query() {
        let head = parse_head(b"GET /flv/s.flv?token=abc HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(head.path, "/flv/s.flv");
        assert_eq!(head.query.as_deref(), Some("token=abc"));
        assert_eq!(flv_stream_name(&head.path), Some("s"));
    }

    #[test]
    fn an_incomplete_head_asks_for_more() {
        assert_eq!(
            parse_head(b"GET /flv/s.flv HTTP/1.1\r\nHost").unwrap(),
            None
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_head(b"\xff\xfe\r\n\r\n").is_err());
        assert!(parse_head(b"GET\r\n\r\n").is_err());
        assert!(parse_head(b"GET / SPDY/3\r\n\r\n").is_err());
    }

    #[test]
    fn stream_names_are_restricted() {
        assert!(is_stream_name("room-1_a.b"));
        assert!(!is_stream_name("../etc"));
        assert!(!is_stream_name(""));
        assert!(!is_stream_name("a/b"));
        assert_eq!(flv_stream_name("/flv/.flv"), None);
    }
}
