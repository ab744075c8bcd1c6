//! Checks for playlist URLs: http(s), a sane host, a known media type.
//!
//! The server never fetches these URLs (browsers do), so the check is about
//! what every member's player will be handed: an absolute http(s) URL with
//! no credentials in it, no spaces and a bounded length.

use crate::error::{Field, RoomError, UrlProblem};
use crate::playlist::MediaKind;

/// Checks `url` and returns it trimmed.
pub(crate) fn check_url(url: &str, max_len: usize) -> Result<String, RoomError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(RoomError::Empty { field: Field::Url });
    }
    if url.len() > max_len {
        return Err(RoomError::TooLong {
            field: Field::Url,
            max: max_len,
        });
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(UrlProblem::Characters));
    }
    let (scheme, rest) = url.split_once("://").ok_or(invalid(UrlProblem::Scheme))?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(invalid(UrlProblem::Scheme));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    check_authority(&rest[..authority_end])?;
    Ok(url.to_owned())
}

/// The media kind named by the URL path's extension, if any.
pub(crate) fn infer_kind(url: &str) -> Option<MediaKind> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_end = rest.find(['?', '#']).unwrap_or(rest.len());
    let path = &rest[..path_end];
    let (_, path) = path.split_once('/')?;
    let file = path.rsplit('/').next()?;
    let (_, ext) = file.rsplit_once('.')?;
    match ext.to_ascii_lowercase().as_str() {
        "mp4" | "m4v" => Some(MediaKind::Mp4),
        "webm" => Some(MediaKind::Webm),
        "m3u8" => Some(MediaKind::Hls),
        "flv" => Some(MediaKind::Flv),
        _ => None,
    }
}

fn check_authority(authority: &str) -> Result<(), RoomError> {
    if authority.contains('@') {
        return Err(invalid(UrlProblem::Credentials));
    }
    let (host, port) = split_port(authority)?;
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && matches!(port.parse::<u32>(), Ok(1..=65535));
        if !ok {
            return Err(invalid(UrlProblem::Port));
        }
    }
    if !host_is_valid(host) {
        return Err(invalid(UrlProblem::Host));
    }
    Ok(())
}

/// Splits `host[:port]`, where the host may be a bracketed IPv6 address.
fn split_port(authority: &str) -> Result<(&str, Option<&str>), RoomError> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or(invalid(UrlProblem::Host))?;
        let ok = !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        if !ok {
            return Err(invalid(UrlProblem::Host));
        }
        return match after {
            "" => Ok(("v6", None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok(("v6", Some(port))),
                None => Err(invalid(UrlProblem::Host)),
            },
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn host_is_valid(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', '-'])
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == '_')
}

fn invalid(problem: UrlProblem) -> RoomError {
    RoomError::InvalidUrl { problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(url: &str) -> Option<UrlProblem> {
        match check_url(url, 2048) {
            Err(RoomError::InvalidUrl { problem }) => Some(problem),
            _ => None,
        }
    }

    #[test]
    fn http_and_https_urls_are_accepted() {
        for url in [
            "http://example.com/a.mp4",
            "HTTPS://cdn.example.com:8443/v/index.m3u8?token=x",
            "https://[::1]:8080/live.flv",
            "https://例子.测试/片.webm",
        ] {
            assert!(check_url(url, 2048).is_ok(), "{url}");
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        for url in [
            "ftp://x/a.mp4",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "x.mp4",
        ] {
            assert_eq!(problem(url), Some(UrlProblem::Scheme), "{url}");
        }
    }

    #[test]
    fn credentials_hosts_ports_and_spaces_are_checked() {
        assert_eq!(problem("http://u:p@x/a.mp4"), Some(UrlProblem::Credentials));
        assert_eq!(problem("http:///a.mp4"), Some(UrlProblem::Host));
        assert_eq!(problem("http://a b/a.mp4"), Some(UrlProblem::Characters));
        assert_eq!(problem("http://x:0/a.mp4"), Some(UrlProblem::Port));
        assert_eq!(problem("http://x:99999/a.mp4"), Some(UrlProblem::Port));
        assert_eq!(problem("http://x:/a.mp4"), Some(UrlProblem::Port));
        assert_eq!(problem("http://[zz]/a.mp4"), Some(UrlProblem::Host));
    }

    #[test]
    fn long_urls_are_too_long() {
        let url = format!("https://x/{}.mp4", "a".repeat(100));
        assert_eq!(check_url(&url, 50).unwrap_err().code(), "too_long");
    }

    #[test]
    fn the_kind_comes_from_the_path_extension() {
        assert_eq!(infer_kind("https://x/a/b.MP4?x=.flv"), Some(MediaKind::Mp4));
        assert_eq!(
            infer_kind("https://x/live/index.m3u8"),
            Some(MediaKind::Hls)
        );
        assert_eq!(infer_kind("https://x/s.flv#t=3"), Some(MediaKind::Flv));
        assert_eq!(infer_kind("https://x/v.webm"), Some(MediaKind::Webm));
        assert_eq!(infer_kind("https://x/watch?v=1"), None);
        assert_eq!(infer_kind("https://x.mp4"), None);
    }
}
