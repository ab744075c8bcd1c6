//! The client's address behind trusted proxies (load balancers, ingress).
//!
//! A request's client is its TCP peer, unless that peer is a trusted proxy:
//! then the hops the proxies recorded in `X-Forwarded-For` (or, when that is
//! absent, the `for=` of `Forwarded`) are walked from the right, skipping
//! trusted proxies, and the first untrusted hop is the client. Hops further
//! left were written by whoever sent the request and are never believed.
//! Headers from an untrusted peer are ignored altogether.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::cidr::Cidr;
use crate::AppState;

/// The client's address, put on each request by [`resolve`] for rate
/// limits, bans and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[Cidr]>);

impl TrustedProxies {
    pub fn new(blocks: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(blocks.into())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub(crate) fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        // Walking leftwards from the peer, each hop was written by the trusted
        // proxy to its right; the first untrusted one is the client.
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = hop else {
                // An unknown or obfuscated hop: nothing left of it can be
                // placed, so the last proxy known stands for the client.
                return client;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }
}

/// Middleware: puts [`ClientIp`] on every request that has a peer address.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = state.trusted_proxies.client_ip(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// The hops of `X-Forwarded-For` (every header line, in order), or of the
/// `for=` parameters of `Forwarded` when there is no `X-Forwarded-For`;
/// `None` marks a hop that is not an address (`unknown`, `_hidden`).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    // Split the raw bytes: a client may send bytes that are not text, and
    // the hop a proxy appends to that same line must still be read.
    let lines = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .flat_map(|line| line.as_bytes().split(|b| *b == b','))
            .map(|hop| std::str::from_utf8(hop).unwrap_or("").trim())
            .collect::<Vec<_>>()
    };
    let xff = lines("x-forwarded-for");
    if !xff.is_empty() {
        return xff.into_iter().map(hop_ip).collect();
    }
    lines("forwarded")
        .into_iter()
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| hop_ip(value))
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `"[2001:db8::1]:80"`.
fn hop_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(blocks: &[&str]) -> TrustedProxies {
        let blocks = blocks.iter().filter_map(|b| Cidr::parse(b).ok()).collect();
        TrustedProxies::new(blocks)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = value.parse() {
                map.append(*name, value);
            }
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn bytes_that_are_not_text_do_not_hide_the_hop_a_proxy_appended() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let mut map = HeaderMap::new();
        let line = axum::http::HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9")
            .unwrap_or_else(|e| panic!("{e}"));
        map.append("x-forwarded-for", line);
        assert_eq!(trusted.client_ip(ip("10.0.0.1"), &map), ip("203.0.113.9"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1"), ("forwarded", "for=2.2.2.2")]);
        assert_eq!(
            trusted.client_ip(ip("203.0.113.5"), &spoofed),
            ip("203.0.113.5")
        );
        let nobody = TrustedProxies::default();
        assert_eq!(nobody.client_ip(ip("10.0.0.1"), &spoofed), ip("10.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "fd00::/8"]);
        let chain = headers(&[
            ("x-forwarded-for", "6.6.6.6, 198.51.100.7"),
            ("x-forwarded-for", "10.0.0.9"),
        ]);
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &chain),
            ip("198.51.100.7")
        );
        let v6 = headers(&[("x-forwarded-for", "2001:db8::7, fd00::3")]);
        assert_eq!(trusted.client_ip(ip("fd00::1"), &v6), ip("2001:db8::7"));
    }

    #[test]
    fn a_chain_of_only_proxies_ends_at_its_left_most_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let chain = headers(&[("x-forwarded-for", "10.0.0.7, 10.0.0.8")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &chain), ip("10.0.0.7"));
        assert_eq!(
            trusted.client_ip(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_for_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let rfc = headers(&[(
            "forwarded",
            r#"for=6.6.6.6, for="[2001:db8::9]:4711";proto=https, for=10.0.0.3"#,
        )]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &rfc), ip("2001:db8::9"));
    }

    #[test]
    fn an_unknown_hop_stops_the_walk_at_the_proxy_that_wrote_it() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let hidden = headers(&[("forwarded", "for=6.6.6.6, for=_hidden, for=10.0.0.3")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &hidden), ip("10.0.0.3"));
        let garbage = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(trusted.client_ip(ip("10.0.0.2"), &garbage), ip("10.0.0.2"));
    }

    #[test]
    fn hops_with_ports_and_brackets_are_read() {
        assert_eq!(hop_ip("1.2.3.4:80"), Some(ip("1.2.3.4")));
        assert_eq!(hop_ip("\"[::1]:80\""), Some(ip("::1")));
        assert_eq!(hop_ip("::1"), Some(ip("::1")));
        assert_eq!(hop_ip("unknown"), None);
    }
}
