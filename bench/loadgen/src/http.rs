//! A small HTTP/1.1 GET client: keep-alive, Content-Length, chunked or
//! until-close bodies, body bytes handed to the caller without copies.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::net::{self, Read};
use crate::viewer::{ErrorKind, Viewer, ViewerError};

const MAX_HEAD: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Length(u64),
    Chunked,
    UntilClose,
}

#[derive(Debug)]
pub struct Head {
    pub status: u16,
    pub body: Body,
    pub close: bool,
}

pub enum BodyEnd {
    Complete,
    Deadline,
}

#[derive(Debug)]
pub struct HttpConn {
    pub stream: TcpStream,
    authority: String,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    reusable: bool,
}

impl HttpConn {
    pub async fn open(addr: SocketAddr, authority: String, v: &Viewer) -> Result<HttpConn, ViewerError> {
        let stream = net::connect(addr, v).await?;
        Ok(HttpConn {
            stream,
            authority,
            buf: vec![0; v.plan.bufsize],
            start: 0,
            end: 0,
            reusable: true,
        })
    }

    pub fn reusable(&self) -> bool {
        self.reusable
    }

    /// Send a GET and read the response head; None when the viewer's
    /// deadline passes first (the end of the run, not an error).
    pub async fn get(&mut self, path: &str, v: &mut Viewer) -> Result<Option<Head>, ViewerError> {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: synctv-bench-loadgen\r\nAccept: */*\r\n\r\n",
            self.authority
        );
        self.stream
            .write_all(req.as_bytes())
            .await
            .map_err(|e| net::io_error(ErrorKind::Io, e))?;
        loop {
            if let Some(len) = find_head_end(&self.buf[self.start..self.end]) {
                let head = parse_head(&self.buf[self.start..self.start + len])?;
                self.start += len;
                self.reusable = !head.close && head.body != Body::UntilClose;
                return Ok(Some(head));
            }
            if self.end - self.start >= MAX_HEAD.min(self.buf.len()) {
                return Err(ViewerError::new(ErrorKind::Protocol, "response head too large"));
            }
            match self.fill(v).await? {
                Read::Data(_) => {}
                Read::Deadline => {
                    self.reusable = false;
                    return Ok(None);
                }
                Read::Eof => return Err(ViewerError::new(ErrorKind::Closed, "closed before response head")),
            }
        }
    }

    /// Hand the body to `sink` as it arrives, until it ends or the viewer's
    /// deadline passes.
    pub async fn body(
        &mut self,
        kind: Body,
        v: &mut Viewer,
        mut sink: impl FnMut(&mut Viewer, &[u8], Instant) -> Result<(), ViewerError>,
    ) -> Result<BodyEnd, ViewerError> {
        let mut chunked = Chunked::default();
        let mut left = match kind {
            Body::Length(n) => n,
            _ => u64::MAX,
        };
        loop {
            if self.start < self.end {
                let now = Instant::now();
                let data = &self.buf[self.start..self.end];
                let (used, done) = match kind {
                    Body::Length(_) => {
                        let n = (left.min(data.len() as u64)) as usize;
                        sink(v, &data[..n], now)?;
                        left -= n as u64;
                        (n, left == 0)
                    }
                    Body::Chunked => chunked.feed(data, |part| sink(v, part, now))?,
                    Body::UntilClose => {
                        sink(v, data, now)?;
                        (data.len(), false)
                    }
                };
                self.start += used;
                if done {
                    return Ok(BodyEnd::Complete);
                }
            } else if left == 0 {
                return Ok(BodyEnd::Complete);
            }
            match self.fill(v).await? {
                Read::Data(_) => {}
                Read::Deadline => {
                    self.reusable = false;
                    return Ok(BodyEnd::Deadline);
                }
                Read::Eof if kind == Body::UntilClose => return Ok(BodyEnd::Complete),
                Read::Eof => return Err(ViewerError::new(ErrorKind::Closed, "body ended early")),
            }
        }
    }

    async fn fill(&mut self, v: &mut Viewer) -> Result<Read, ViewerError> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let read = net::read_some(&mut self.stream, &mut self.buf[self.end..], v).await?;
        if let Read::Data(n) = read {
            self.end += n;
        }
        Ok(read)
    }
}

fn find_head_end(data: &[u8]) -> Option<usize> {
    data.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

fn parse_head(raw: &[u8]) -> Result<Head, ViewerError> {
    let text = std::str::from_utf8(raw).map_err(|_| ViewerError::new(ErrorKind::Protocol, "response head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(ViewerError::new(ErrorKind::Protocol, format!("bad status line {status_line:?}")));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ViewerError::new(ErrorKind::Protocol, format!("bad status line {status_line:?}")))?;
    let mut head = Head {
        status,
        body: Body::UntilClose,
        close: version == "HTTP/1.0",
    };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            if head.body != Body::Chunked {
                let n = value.parse().map_err(|_| ViewerError::new(ErrorKind::Protocol, "bad Content-Length"))?;
                head.body = Body::Length(n);
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if value.to_ascii_lowercase().contains("chunked") {
                head.body = Body::Chunked;
            }
        } else if name.eq_ignore_ascii_case("connection") {
            head.close = value.eq_ignore_ascii_case("close");
        }
    }
    Ok(head)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkedState {
    Size { value: u64, digits: u8, ext: bool },
    SizeLf { value: u64 },
    Data(u64),
    DataCr,
    DataLf,
    Trailer { line: usize },
    Done,
}

#[derive(Debug)]
struct Chunked {
    state: ChunkedState,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: ChunkedState::Size { value: 0, digits: 0, ext: false },
        }
    }
}

impl Chunked {
    /// Decode from `input`; returns (bytes used, body complete).
    fn feed(
        &mut self,
        input: &[u8],
        mut sink: impl FnMut(&[u8]) -> Result<(), ViewerError>,
    ) -> Result<(usize, bool), ViewerError> {
        let bad = |what: &str| ViewerError::new(ErrorKind::Protocol, format!("chunked encoding: {what}"));
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            self.state = match self.state {
                ChunkedState::Size { value, digits, ext } => {
                    i += 1;
                    match b {
                        b'\r' => ChunkedState::SizeLf { value },
                        b'\n' => size_done(value),
                        b';' => ChunkedState::Size { value, digits, ext: true },
                        _ if ext => ChunkedState::Size { value, digits, ext },
                        _ => {
                            let d = (b as char).to_digit(16).ok_or_else(|| bad("size"))?;
                            if digits >= 15 {
                                return Err(bad("size too large"));
                            }
                            ChunkedState::Size { value: value * 16 + u64::from(d), digits: digits + 1, ext }
                        }
                    }
                }
                ChunkedState::SizeLf { value } => {
                    i += 1;
                    if b != b'\n' {
                        return Err(bad("missing LF"));
                    }
                    size_done(value)
                }
                ChunkedState::Data(left) => {
                    let n = (left.min((input.len() - i) as u64)) as usize;
                    sink(&input[i..i + n])?;
                    i += n;
                    if left == n as u64 {
                        ChunkedState::DataCr
                    } else {
                        ChunkedState::Data(left - n as u64)
                    }
                }
                ChunkedState::DataCr => {
                    i += 1;
                    match b {
                        b'\r' => ChunkedState::DataLf,
                        b'\n' => ChunkedState::Size { value: 0, digits: 0, ext: false },
                        _ => return Err(bad("missing CRLF after data")),
                    }
                }
                ChunkedState::DataLf => {
                    i += 1;
                    if b != b'\n' {
                        return Err(bad("missing LF after data"));
                    }
                    ChunkedState::Size { value: 0, digits: 0, ext: false }
                }
                ChunkedState::Trailer { line } => {
                    i += 1;
                    match b {
                        b'\n' if line == 0 => ChunkedState::Done,
                        b'\n' => ChunkedState::Trailer { line: 0 },
                        b'\r' => ChunkedState::Trailer { line },
                        _ => ChunkedState::Trailer { line: line + 1 },
                    }
                }
                ChunkedState::Done => return Ok((i, true)),
            };
            if self.state == ChunkedState::Done {
                return Ok((i, true));
            }
        }
        Ok((i, self.state == ChunkedState::Done))
    }
}

fn size_done(value: u64) -> ChunkedState {
    if value == 0 {
        ChunkedState::Trailer { line: 0 }
    } else {
        ChunkedState::Data(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_across_any_split() {
        let wire = b"5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..wire.len() {
            let mut dec = Chunked::default();
            let mut out = Vec::new();
            let mut used_total = 0;
            let mut done = false;
            for piece in wire.chunks(step) {
                if done {
                    break;
                }
                let (used, d) = dec
                    .feed(piece, |p| {
                        out.extend_from_slice(p);
                        Ok(())
                    })
                    .unwrap();
                used_total += used;
                done = d;
            }
            assert!(done, "step {step}");
            assert_eq!(out, b"hello world");
            assert_eq!(&wire[used_total..], b"NEXT", "step {step}");
        }
    }

    #[test]
    fn heads_give_status_and_framing() {
        let h = parse_head(b"HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        assert_eq!((h.status, h.body, h.close), (200, Body::Chunked, false));
        let h = parse_head(b"HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nConnection: close\r\n\r\n").unwrap();
        assert_eq!((h.status, h.body, h.close), (404, Body::Length(9), true));
    }
}
