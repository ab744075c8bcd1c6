//! `rtmp://host[:port]/app/stream[?query]`, taken apart for a pull.

use crate::pull::PullError;

const DEFAULT_PORT: u16 = 1935;

/// The query parameter a pull adds to its play request, so that the
/// remote serves it as a relay, not as a viewer it counts.
pub const RELAY_PARAM: &str = "synctv_relay=1";

/// Whether a play request's query marks it as a relay (a pull).
pub fn is_relay(query: &str) -> bool {
    query.split('&').any(|pair| pair == RELAY_PARAM)
}

/// Where a pull connects and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteStream {
    /// `host:port`, as given (a name is resolved on connect).
    pub(crate) authority: String,
    pub(crate) app: String,
    /// `rtmp://host:port/app`, sent as tcUrl.
    pub(crate) tc_url: String,
    /// The play name: the stream, its query and the relay marker.
    pub(crate) play_name: String,
}

impl RemoteStream {
    pub(crate) fn parse(url: &str) -> Result<RemoteStream, PullError> {
        let bad = |reason| PullError::Url {
            url: url.to_owned(),
            reason,
        };
        let rest = url.strip_prefix("rtmp://").ok_or(bad("not rtmp://"))?;
        let (authority, path) = rest.split_once('/').ok_or(bad("no application"))?;
        let (app, stream) = path.split_once('/').ok_or(bad("no stream name"))?;
        let (name, query) = match stream.split_once('?') {
            Some((name, query)) => (name, Some(query)),
            None => (stream, None),
        };
        if authority.is_empty() || app.is_empty() || name.is_empty() {
            return Err(bad("empty host, application or stream name"));
        }
        let authority = with_port(authority).ok_or(bad("bad port"))?;
        let play_name = match query.filter(|q| !q.is_empty()) {
            Some(query) => format!("{name}?{query}&{RELAY_PARAM}"),
            None => format!("{name}?{RELAY_PARAM}"),
        };
        Ok(RemoteStream {
            tc_url: format!("rtmp://{authority}/{app}"),
            authority,
            app: app.to_owned(),
            play_name,
        })
    }
}

/// `host:port`, with the RTMP port if none is given; `None` if the port
/// is not a number.
fn with_port(authority: &str) -> Option<String> {
    // An IPv6 literal: `[::1]` or `[::1]:1935`.
    let port = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.ends_with(']') => Some(port),
        _ => None,
    };
    match port {
        Some(port) => port.parse::<u16>().ok().map(|_| authority.to_owned()),
        None => Some(format!("{authority}:{DEFAULT_PORT}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_url_keeps_its_query_and_gains_the_relay_marker() {
        let remote = RemoteStream::parse("rtmp://10.0.0.2:1936/live/room1?token=t").unwrap();
        assert_eq!(remote.authority, "10.0.0.2:1936");
        assert_eq!(remote.app, "live");
        assert_eq!(remote.tc_url, "rtmp://10.0.0.2:1936/live");
        assert_eq!(remote.play_name, "room1?token=t&synctv_relay=1");
        assert!(is_relay("token=t&synctv_relay=1"));
    }

    #[test]
    fn the_rtmp_port_is_the_default() {
        let remote = RemoteStream::parse("rtmp://origin/live/s").unwrap();
        assert_eq!(remote.authority, "origin:1935");
        assert_eq!(remote.play_name, "s?synctv_relay=1");
        let v6 = RemoteStream::parse("rtmp://[::1]/live/s").unwrap();
        assert_eq!(v6.authority, "[::1]:1935");
    }

    #[test]
    fn malformed_urls_are_refused() {
        for url in [
            "http://h/live/s",
            "rtmp://h",
            "rtmp://h/live",
            "rtmp://h/live/",
            "rtmp:///live/s",
            "rtmp://h:port/live/s",
        ] {
            assert!(RemoteStream::parse(url).is_err(), "{url}");
        }
        assert!(!is_relay("token=synctv_relay=1"));
    }
}
