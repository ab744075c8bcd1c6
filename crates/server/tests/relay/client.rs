//! synctv's own sans-IO RTMP client session, driven over a real TCP socket:
//! the thin glue a node-to-node pull needs, in its simplest form. Bytes read
//! go to `handle_input`, then events and transmits are drained; the session's
//! timer is slept on while waiting for the socket. Every wait is bounded.

use std::net::SocketAddr;
use std::time::Instant;

use media::Frame;
use rtmp::{ClientConfig, ClientEvent, ClientSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use super::WAIT;

const READ_CHUNK: usize = 16 * 1024;

/// What the server said to a publish or play request it did not accept.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) code: String,
    pub(crate) description: String,
}

/// One RTMP connection to synctv, publishing or playing.
#[derive(Debug)]
pub(crate) struct RtmpPeer {
    socket: TcpStream,
    session: ClientSession,
    read_buf: Vec<u8>,
    eof: bool,
}

impl RtmpPeer {
    /// Connects and publishes with stream key `key`; returns once the server
    /// sent NetStream.Publish.Start.
    pub(crate) async fn publish(addr: SocketAddr, key: &str) -> Result<RtmpPeer, Refused> {
        let mut peer = RtmpPeer::connect(addr).await;
        peer.session
            .publish(key)
            .expect("a fresh session takes a goal");
        peer.until_started().await?;
        Ok(peer)
    }

    /// Connects and plays stream `name`; returns once the server sent
    /// NetStream.Play.Start, which it does after the viewer has joined.
    pub(crate) async fn play(addr: SocketAddr, name: &str) -> Result<RtmpPeer, Refused> {
        let mut peer = RtmpPeer::connect(addr).await;
        peer.session
            .play(name)
            .expect("a fresh session takes a goal");
        peer.until_started().await?;
        Ok(peer)
    }

    /// Sends `frames` as fast as the socket takes them.
    pub(crate) async fn send_all(&mut self, frames: &[Frame]) {
        for frame in frames {
            self.session
                .send_frame(frame)
                .expect("publishing: frames may be sent");
            self.flush().await;
        }
    }

    /// Stops publishing (FCUnpublish, deleteStream), then closes the
    /// connection gracefully: our FIN after everything sent, and the
    /// server's FIN read back, so no frame is lost to a reset.
    pub(crate) async fn stop(mut self) {
        self.session.stop();
        self.flush().await;
        timeout(WAIT, self.socket.shutdown())
            .await
            .expect("shutdown within the deadline")
            .expect("shutdown");
        let drain = async {
            while !matches!(self.socket.read(&mut self.read_buf).await, Ok(0) | Err(_)) {}
        };
        timeout(WAIT, drain)
            .await
            .expect("the server closes its side after ours");
    }

    /// Every frame played until the server ends the stream.
    pub(crate) async fn frames_until_end(mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        loop {
            match self.next_event().await {
                Some(ClientEvent::Frame(frame)) => frames.push(frame),
                Some(ClientEvent::StreamEnded) => return frames,
                Some(ClientEvent::Rejected { code, description }) => {
                    panic!("play ended with {code}: {description}")
                }
                Some(_) => {}
                None => panic!(
                    "the server closed the connection without ending the stream, after {} frames",
                    frames.len()
                ),
            }
        }
    }

    async fn connect(addr: SocketAddr) -> RtmpPeer {
        let socket = timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("RTMP connect within the deadline")
            .expect("RTMP connect");
        socket.set_nodelay(true).expect("TCP_NODELAY");
        let config = ClientConfig::new("live", &format!("rtmp://{addr}/live"));
        RtmpPeer {
            socket,
            session: ClientSession::new(config, Instant::now()),
            read_buf: vec![0; READ_CHUNK],
            eof: false,
        }
    }

    async fn until_started(&mut self) -> Result<(), Refused> {
        loop {
            match self.next_event().await {
                Some(ClientEvent::PublishStarted { .. } | ClientEvent::PlayStarted { .. }) => {
                    return Ok(())
                }
                Some(ClientEvent::Rejected { code, description }) => {
                    return Err(Refused { code, description })
                }
                Some(_) => {}
                None => panic!("the server closed the connection before an answer"),
            }
        }
    }

    /// The session's next event, reading the socket as needed; `None` once
    /// the server has closed the connection and nothing is left.
    async fn next_event(&mut self) -> Option<ClientEvent> {
        loop {
            self.flush().await;
            if let Some(event) = self.session.poll_event() {
                return Some(event);
            }
            if self.eof {
                return None;
            }
            self.read().await;
        }
    }

    async fn read(&mut self) {
        let wake = self.session.poll_timeout();
        let read = tokio::select! {
            read = timeout(WAIT, self.socket.read(&mut self.read_buf)) => read,
            () = sleep_until(wake) => {
                self.session
                    .handle_timeout(Instant::now())
                    .expect("the RTMP handshake finishes in time");
                return;
            }
        };
        let n = read
            .expect("the server sent nothing for too long")
            .expect("RTMP read");
        if n == 0 {
            self.eof = true;
            return;
        }
        self.session
            .handle_input(&self.read_buf[..n], Instant::now())
            .expect("the server speaks valid RTMP");
    }

    async fn flush(&mut self) {
        while let Some(bytes) = self.session.poll_transmit() {
            timeout(WAIT, self.socket.write_all(&bytes))
                .await
                .expect("the server takes our bytes within the deadline")
                .expect("RTMP write");
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
