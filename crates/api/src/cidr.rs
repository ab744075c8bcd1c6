//! CIDR blocks (`10.0.0.0/8`, `fd00::/8`, or a single address) and whether
//! an address falls inside one: enough to name trusted proxies.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use thiserror::Error;

/// A block of addresses: a network address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a CIDR block could not be read.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CidrError {
    #[error("{text:?} is not an IP address or CIDR block")]
    Address { text: String },
    #[error("{text:?}: the prefix length must be a number up to {max}")]
    Prefix { text: String, max: u8 },
}

impl Cidr {
    /// Reads `a.b.c.d/n`, `v6::addr/n` or a bare address (a block of one).
    /// Bits past the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
    pub fn parse(text: &str) -> Result<Cidr, CidrError> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| CidrError::Address {
            text: text.to_owned(),
        })?;
        let max = max_prefix(network);
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| CidrError::Prefix {
                        text: text.to_owned(),
                        max,
                    })?
            }
        };
        Ok(Cidr { network, prefix })
    }

    /// Whether `ip` is in this block. An IPv4 address seen as IPv6
    /// (`::ffff:10.0.0.1`, from a listener on `[::]`) counts as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        Cidr::parse(text)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_ipv4_block_holds_exactly_the_addresses_under_its_prefix() {
        let block = cidr("10.1.0.0/16");
        assert!(block.contains(ip("10.1.0.0")));
        assert!(block.contains(ip("10.1.255.255")));
        assert!(!block.contains(ip("10.2.0.0")));
        assert!(!block.contains(ip("10.0.255.255")));
        let odd = cidr("192.168.1.128/25");
        assert!(odd.contains(ip("192.168.1.200")));
        assert!(!odd.contains(ip("192.168.1.127")));
    }

    #[test]
    fn an_ipv6_block_holds_exactly_the_addresses_under_its_prefix() {
        let block = cidr("fd00:1::/32");
        assert!(block.contains(ip("fd00:1::1")));
        assert!(block.contains(ip("fd00:1:ffff::")));
        assert!(!block.contains(ip("fd00:2::1")));
        assert!(!block.contains(ip("10.0.0.1")));
    }

    #[test]
    fn a_bare_address_is_a_block_of_one_and_zero_prefixes_hold_everything() {
        let one = cidr("127.0.0.1");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        assert_eq!(cidr("::1").to_string(), "::1/128");
        assert!(cidr("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
        assert!(!cidr("::/0").contains(ip("203.0.113.9")));
    }

    #[test]
    fn host_bits_past_the_prefix_are_ignored() {
        assert!(cidr("10.9.8.7/8").contains(ip("10.0.0.1")));
    }

    #[test]
    fn ipv4_addresses_seen_through_an_ipv6_listener_match_ipv4_blocks() {
        assert!(cidr("10.0.0.0/8").contains(ip("::ffff:10.2.3.4")));
        assert!(!cidr("10.0.0.0/8").contains(ip("::ffff:11.2.3.4")));
    }

    #[test]
    fn malformed_blocks_are_refused_with_the_reason() {
        for bad in ["", "10.0.0", "10.0.0.0/", "example.org/8", "1.2.3.4/x"] {
            assert!(Cidr::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            Cidr::parse("10.0.0.0/33"),
            Err(CidrError::Prefix {
                text: "10.0.0.0/33".into(),
                max: 32
            })
        );
        assert!(Cidr::parse("::/129").is_err());
        assert!(Cidr::parse("::/128").is_ok());
    }
}
