//! URLs, connecting, and one bounded read.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout_at;

use crate::sys;
use crate::viewer::{ErrorKind, Viewer, ViewerError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with '/'.
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let (scheme, rest) = s.split_once("://").ok_or("URL without scheme")?;
        let default_port = match scheme {
            "http" => 80,
            "rtmp" => 1935,
            _ => return Err(format!("unsupported scheme {scheme}")),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in {s}"))?),
            None => (authority, default_port),
        };
        if host.is_empty() {
            return Err(format!("no host in {s}"));
        }
        Ok(Url {
            scheme: scheme.to_string(),
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }

    pub fn socket_addr(&self) -> Result<SocketAddr, String> {
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| format!("{}: {e}", self.host))?
            .find(SocketAddr::is_ipv4)
            .ok_or_else(|| format!("{}: no IPv4 address", self.host))
    }

    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// TCP connect with the run's socket options, bounded by the setup deadline.
pub async fn connect(addr: SocketAddr, v: &Viewer) -> Result<TcpStream, ViewerError> {
    let socket = TcpSocket::new_v4().map_err(|e| io_error(ErrorKind::Connect, e))?;
    if v.plan.rcvbuf > 0 {
        let size = u32::try_from(v.plan.rcvbuf).unwrap_or(u32::MAX);
        socket
            .set_recv_buffer_size(size)
            .map_err(|e| io_error(ErrorKind::Connect, e))?;
    }
    let stream = match timeout_at(v.setup_deadline().into(), socket.connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(io_error(ErrorKind::Connect, e)),
        Err(_) => return Err(ViewerError::new(ErrorKind::Timeout, "TCP connect")),
    };
    stream
        .set_nodelay(true)
        .map_err(|e| io_error(ErrorKind::Io, e))?;
    Ok(stream)
}

/// Switch a playing FLV/RTMP connection to batched reads, if asked for.
pub fn apply_low_water_mark(stream: &TcpStream, v: &Viewer) -> Result<(), ViewerError> {
    if v.plan.rcvlowat == 0 {
        return Ok(());
    }
    sys::set_rcvlowat(stream, v.plan.rcvlowat).map_err(|e| io_error(ErrorKind::Io, e))
}

pub enum Read {
    Data(usize),
    /// The viewer's reading time is over.
    Deadline,
    Eof,
}

/// One read bounded by the viewer's deadline and the stall timeout. Before
/// setup completes the connect timeout bounds it instead.
pub async fn read_some(
    stream: &mut TcpStream,
    buf: &mut [u8],
    v: &mut Viewer,
) -> Result<Read, ViewerError> {
    let now = Instant::now();
    let (limit, on_limit) = if v.is_set_up() {
        let stall = now + v.plan.stall;
        if stall < v.deadline {
            (stall, Some(ErrorKind::Stall))
        } else {
            (v.deadline, None)
        }
    } else {
        (v.setup_deadline(), Some(ErrorKind::Timeout))
    };
    match timeout_at(limit.into(), stream.read(buf)).await {
        Ok(Ok(0)) => Ok(Read::Eof),
        Ok(Ok(n)) => {
            v.handle_bytes(n, Instant::now());
            Ok(Read::Data(n))
        }
        Ok(Err(e)) => Err(io_error(ErrorKind::Io, e)),
        Err(_) => match on_limit {
            Some(_) if limit >= v.deadline => Ok(Read::Deadline),
            Some(kind) => Err(ViewerError::new(kind, "no data in time")),
            None => Ok(Read::Deadline),
        },
    }
}

pub fn io_error(kind: ErrorKind, e: io::Error) -> ViewerError {
    ViewerError::new(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_parts() {
        let u = Url::parse("rtmp://127.0.0.1/live/bench").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("127.0.0.1", 1935, "/live/bench"));
        let u = Url::parse("http://127.0.0.1:8080/flv/bench.flv?x=1").unwrap();
        assert_eq!((u.port, u.path.as_str()), (8080, "/flv/bench.flv?x=1"));
        assert!(Url::parse("ftp://x/y").is_err());
    }
}
