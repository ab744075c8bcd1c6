//! Plain HTTP/1.1 over a tokio socket: one-shot GETs for HLS, and an
//! HTTP-FLV viewer whose body goes through synctv's own FLV demuxer.

use std::net::SocketAddr;

use bytes::BytesMut;
use flv::Demuxer;
use media::Frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::WAIT;

/// A whole HTTP response.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// The status line and headers, header names lowercased.
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl Response {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key == name).then(|| value.trim())
        })
    }
}

/// `GET path` on a fresh connection that the server closes after answering.
pub(crate) async fn get(addr: SocketAddr, path: &str) -> Response {
    let mut socket = request(addr, path).await;
    let mut raw = Vec::new();
    timeout(WAIT, socket.read_to_end(&mut raw))
        .await
        .unwrap_or_else(|_| panic!("GET {path}: no complete answer within the deadline"))
        .expect("HTTP read");
    let end = head_end(&raw).unwrap_or_else(|| panic!("GET {path}: no response head"));
    let body = raw.split_off(end);
    let response = Response {
        status: status(&raw),
        head: String::from_utf8_lossy(&raw).to_lowercase(),
        body,
    };
    assert!(
        response.header("transfer-encoding").is_none(),
        "GET {path}: expected a body with Content-Length: {}",
        response.head
    );
    if let Some(length) = response.header("content-length") {
        assert_eq!(
            length.parse::<usize>().ok(),
            Some(response.body.len()),
            "GET {path}"
        );
    }
    response
}

/// An HTTP-FLV viewer: the frames demuxed so far and the rest of the stream.
#[derive(Debug)]
pub(crate) struct FlvViewer {
    socket: TcpStream,
    buf: BytesMut,
    demuxer: Demuxer,
    frames: Vec<Frame>,
}

impl FlvViewer {
    /// Opens `/flv/{stream}.flv`; returns once the `200 OK` head is in,
    /// which synctv writes after the viewer has joined the stream.
    pub(crate) async fn open(addr: SocketAddr, stream: &str) -> FlvViewer {
        let path = format!("/flv/{stream}.flv");
        let mut socket = request(addr, &path).await;
        let mut buf = BytesMut::with_capacity(64 * 1024);
        let end = loop {
            if let Some(end) = head_end(&buf) {
                break end;
            }
            let n = read_some(&mut socket, &mut buf).await;
            assert!(n > 0, "GET {path}: closed before the response head");
        };
        let head = buf.split_to(end);
        let head = String::from_utf8_lossy(&head).to_lowercase();
        assert_eq!(status(head.as_bytes()), 200, "GET {path}: {head}");
        assert!(head.contains("content-type: video/x-flv"), "{head}");
        FlvViewer {
            socket,
            buf,
            demuxer: Demuxer::new(),
            frames: Vec::new(),
        }
    }

    /// Reads until a frame equal to `last` has arrived.
    pub(crate) async fn read_through(&mut self, last: &Frame) {
        let read = async {
            loop {
                self.demux();
                if self.frames.iter().any(|f| f == last) {
                    return;
                }
                let n = self
                    .socket
                    .read_buf(&mut self.buf)
                    .await
                    .expect("HTTP read");
                assert!(n > 0, "the FLV stream ended early");
            }
        };
        if timeout(WAIT, read).await.is_err() {
            panic!(
                "no FLV frame at {} ms within {WAIT:?}; {} frames came, the last at {:?} ms",
                last.dts,
                self.frames.len(),
                self.frames.last().map(|f| f.dts)
            );
        }
    }

    /// Every frame of the stream, read until the server closes it.
    pub(crate) async fn frames_until_end(mut self) -> Vec<Frame> {
        loop {
            self.demux();
            if read_some(&mut self.socket, &mut self.buf).await == 0 {
                assert!(self.buf.is_empty(), "the FLV stream stops between tags");
                return self.frames;
            }
        }
    }

    fn demux(&mut self) {
        while let Some(frame) = self
            .demuxer
            .decode_frame(&mut self.buf)
            .expect("synctv writes valid FLV")
        {
            self.frames.push(frame);
        }
    }
}

async fn request(addr: SocketAddr, path: &str) -> TcpStream {
    let mut socket = timeout(WAIT, TcpStream::connect(addr))
        .await
        .expect("HTTP connect within the deadline")
        .expect("HTTP connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    timeout(WAIT, socket.write_all(request.as_bytes()))
        .await
        .expect("HTTP request written within the deadline")
        .expect("HTTP write");
    socket
}

async fn read_some(socket: &mut TcpStream, buf: &mut BytesMut) -> usize {
    timeout(WAIT, socket.read_buf(buf))
        .await
        .expect("the server sent nothing for too long")
        .expect("HTTP read")
}

/// Where the body starts, once the head is complete.
fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

fn status(head: &[u8]) -> u16 {
    let line = String::from_utf8_lossy(head);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {line}"))
}
