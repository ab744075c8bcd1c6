//! One RTMP connection: publisher or player.
//!
//! The task owns the socket and the sans-IO session. Each turn it writes
//! what the session has queued, then waits for whichever comes first: bytes
//! from the peer, a batch for a player, the session's timer, a takeover of
//! a publisher's stream, or shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hub::{Packet, Publisher, SubscriptionEnd};
use rtmp::chunk::{encode_frame, DecoderLimits};
use rtmp::{ServerConfig, ServerEvent, ServerSession};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::rtmp_listener::stopped;
use crate::viewer::{Exit, Output, Viewer, Wake};
use crate::writer::{self, PumpEnd};
use crate::{Live, Ownership, Refusal};

/// The message stream id players get from their first createStream: frames
/// for them are encoded once and shared.
const SHARED_STREAM_ID: u32 = 1;
const READ_CHUNK: usize = 16 * 1024;

enum Role {
    None,
    Publishing {
        publisher: Publisher,
        /// The stream's claim in a cluster, released when this drops.
        _ownership: Option<Ownership>,
    },
    Playing {
        stream_id: u32,
        viewer: Viewer,
        /// Counts the player while it plays (none for a relay).
        _counted: Option<crate::counters::Counted>,
        /// Tells the viewer hook while it plays (none for a relay).
        _attached: Option<crate::Attached>,
    },
}

/// Why a connection closes.
#[derive(Debug)]
enum Close {
    Peer,
    Io(io::Error),
    Session(rtmp::SessionError),
    Refused,
    Replaced,
    Viewer(PumpEnd),
    Shutdown,
}

enum Step {
    Readable(io::Result<()>),
    Timeout,
    Replaced,
    Shutdown,
}

pub(crate) struct RtmpConnection {
    live: Arc<Live>,
    /// Shared with the stream actor while it writes for a player.
    socket: Arc<TcpStream>,
    peer: SocketAddr,
    session: ServerSession,
    role: Role,
    out: Vec<Bytes>,
    /// When the connection was accepted: set-up times in the log.
    accepted: Instant,
}

impl RtmpConnection {
    pub(crate) fn new(
        live: Arc<Live>,
        socket: TcpStream,
        peer: SocketAddr,
        seed: u64,
    ) -> RtmpConnection {
        let c = &live.config;
        let config = ServerConfig {
            chunk_size: u32::try_from(c.rtmp_chunk_size).unwrap_or(4096),
            limits: DecoderLimits {
                max_message_size: u32::try_from(c.rtmp_max_message_bytes).unwrap_or(u32::MAX),
                ..DecoderLimits::default()
            },
            handshake_timeout: c.handshake_timeout,
            idle_timeout: Some(c.idle_timeout),
            seed,
            ..ServerConfig::default()
        };
        RtmpConnection {
            session: ServerSession::new(config, Instant::now()),
            live,
            socket: Arc::new(socket),
            peer,
            role: Role::None,
            out: Vec::new(),
            accepted: Instant::now(),
        }
    }

    pub(crate) async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let close = loop {
            if let Err(close) = self.turn(&mut shutdown).await {
                break close;
            }
        };
        self.session.handle_close();
        self.log_close(&close);
    }

    async fn turn(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<(), Close> {
        self.flush().await?;
        if let Role::Playing { .. } = self.role {
            return self.play(shutdown).await;
        }
        let deadline = self.session.poll_timeout();
        let step = tokio::select! {
            readable = self.socket.readable() => Step::Readable(readable),
            step = role_step(&mut self.role) => step,
            _ = sleep_until(deadline) => Step::Timeout,
            _ = stopped(shutdown) => Step::Shutdown,
        };
        match step {
            Step::Readable(result) => {
                result.map_err(Close::Io)?;
                self.read_input()?;
                self.handle_events().await
            }
            Step::Timeout => self
                .session
                .handle_timeout(Instant::now())
                .map_err(Close::Session),
            Step::Replaced => Err(Close::Replaced),
            Step::Shutdown => Err(Close::Shutdown),
        }
    }

    /// Reads what the socket has (the buffer lives only for this call, so
    /// an idle connection holds no read buffer).
    fn read_input(&mut self) -> Result<(), Close> {
        let mut buf = [0u8; READ_CHUNK];
        match self.socket.try_read(&mut buf) {
            Ok(0) => Err(Close::Peer),
            Ok(n) => self
                .session
                .handle_input(&buf[..n], Instant::now())
                .map_err(Close::Session),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(Close::Io(e)),
        }
    }

    async fn handle_events(&mut self) -> Result<(), Close> {
        while let Some(event) = self.session.poll_event() {
            match event {
                ServerEvent::Connect { app, .. } => {
                    let handshake = self.session.handshake_mode();
                    tracing::debug!(peer = %self.peer, app, ?handshake, "RTMP connect");
                }
                ServerEvent::PublishRequested {
                    stream_id,
                    app,
                    stream_key,
                    ..
                } => self.handle_publish(stream_id, &app, &stream_key).await?,
                ServerEvent::PlayRequested {
                    stream_id,
                    stream_name,
                    query,
                    ..
                } => self.handle_play(stream_id, &stream_name, &query).await?,
                ServerEvent::Frame { frame, .. } => self.handle_frame(frame).await?,
                ServerEvent::Unpublished { .. } | ServerEvent::PlayStopped { .. } => {
                    self.reclaim_writes().await?;
                    self.role = Role::None;
                }
            }
        }
        Ok(())
    }

    async fn handle_publish(&mut self, stream_id: u32, app: &str, key: &str) -> Result<(), Close> {
        let stream = match (&self.role, self.live.keys.resolve(app, key).await) {
            (Role::None, Some(stream)) => stream,
            (Role::None, None) => {
                tracing::warn!(peer = %self.peer, app, "publish refused: unknown stream key");
                return self.refuse_publish(stream_id, "Unknown stream key.").await;
            }
            _ => {
                tracing::warn!(peer = %self.peer, "publish refused: connection already busy");
                return self
                    .refuse_publish(stream_id, "This connection is busy.")
                    .await;
            }
        };
        let ownership = match self.claim(&stream, key).await {
            Ok(ownership) => ownership,
            Err(why) => return self.refuse_publish(stream_id, why).await,
        };
        let publisher = self.live.hub.publish(&stream).await;
        let _ = self.session.accept_publish(stream_id);
        tracing::info!(peer = %self.peer, stream, "publish started");
        self.role = Role::Publishing {
            publisher,
            _ownership: ownership,
        };
        Ok(())
    }

    /// In a cluster, claims the stream for this publisher; the refusal's
    /// RTMP description otherwise.
    async fn claim(&self, stream: &str, key: &str) -> Result<Option<Ownership>, &'static str> {
        let Some(replicas) = self.live.replicas() else {
            return Ok(None);
        };
        match replicas.claim(stream, key).await {
            Ok(ownership) => Ok(Some(ownership)),
            Err(Refusal::Held { node }) => {
                tracing::warn!(peer = %self.peer, stream, node, "publish refused: another publisher is live");
                Err("Another publisher of this stream is live.")
            }
            Err(Refusal::Unavailable) => {
                tracing::warn!(peer = %self.peer, stream, "publish refused: cluster unavailable");
                Err("The cluster is unavailable; retry shortly.")
            }
        }
    }

    async fn refuse_publish(&mut self, stream_id: u32, why: &str) -> Result<(), Close> {
        let _ = self.session.reject_publish(stream_id, why);
        self.flush().await?;
        Err(Close::Refused)
    }

    async fn handle_play(&mut self, stream_id: u32, name: &str, query: &str) -> Result<(), Close> {
        if let Err(why) = self.may_play(name, query).await {
            let _ = self.session.reject_play(stream_id, why);
            self.flush().await?;
            return Err(Close::Refused);
        }
        self.flush().await?;
        let wait = self.live.config.viewer_wait;
        let asked = Instant::now();
        let relay = crate::is_relay(query);
        if let Some(replicas) = self.live.replicas().filter(|_| !relay) {
            if !self.live.hub.is_live(name) {
                replicas.want(name).await;
            }
        }
        // A pull from another instance is served alike, but not counted.
        let joined = if relay {
            self.live.hub.subscribe_relay(name, wait).await
        } else {
            self.live.hub.subscribe(name, wait).await
        };
        match joined {
            Ok(sub) => {
                let _ = self.session.accept_play(stream_id);
                crate::tune_viewer_socket(&*self.socket, &self.live.config);
                tracing::debug!(
                    peer = %self.peer,
                    stream = name,
                    setup_us = self.accepted.elapsed().as_micros(),
                    subscribe_us = asked.elapsed().as_micros(),
                    "RTMP player joined"
                );
                self.role = Role::Playing {
                    stream_id,
                    viewer: Viewer::new(sub),
                    _counted: (!relay).then(|| self.live.viewers.count_rtmp()),
                    _attached: (!relay)
                        .then(|| self.live.attach_viewer(name, query))
                        .flatten(),
                };
                Ok(())
            }
            Err(e) => {
                tracing::info!(peer = %self.peer, stream = name, "RTMP play refused: {e}");
                let _ = self.session.reject_play(stream_id, &e.to_string());
                self.flush().await?;
                Err(Close::Refused)
            }
        }
    }

    /// Whether this play may go ahead; the RTMP description if not. In a
    /// cluster, a play with the relay marker must carry a valid relay
    /// token and then needs no play token.
    async fn may_play(&self, name: &str, query: &str) -> Result<(), &'static str> {
        if !matches!(self.role, Role::None) || !crate::is_stream_name(name) {
            return Err("Cannot play this stream here.");
        }
        if let Some(replicas) = self.live.replicas().filter(|_| crate::is_relay(query)) {
            if replicas.is_replica_play(name, query) {
                return Ok(());
            }
            tracing::warn!(peer = %self.peer, stream = name, "relay play refused: bad relay token");
            return Err("Relay refused: missing or invalid relay token.");
        }
        let token = crate::play_token(query);
        if !self.live.keys.may_play(name, token).await {
            return Err("Cannot play this stream here.");
        }
        match self.live.admit_viewer(name, token).await {
            Ok(()) => Ok(()),
            Err(refusal) => {
                tracing::info!(peer = %self.peer, stream = name, code = refusal.code, "RTMP play refused");
                Err("This play URL is for another replica: ask where to watch again.")
            }
        }
    }

    async fn handle_frame(&mut self, frame: media::Frame) -> Result<(), Close> {
        let Role::Publishing { publisher, .. } = &self.role else {
            return Ok(());
        };
        publisher.send(frame).await.map_err(|_| Close::Replaced)
    }

    /// A player's turns: batches out until the peer sends something, the
    /// subscription ends or the server stops. Players have no session
    /// deadline, so the hot path asks the session nothing.
    async fn play(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<(), Close> {
        let Role::Playing {
            stream_id, viewer, ..
        } = &mut self.role
        else {
            return Ok(());
        };
        let stream_id = *stream_id;
        let chunk_size = self.session.outgoing_chunk_size();
        let shared = stream_id == SHARED_STREAM_ID
            && usize::try_from(chunk_size).ok() == Some(self.live.config.rtmp_chunk_size);
        let encode = move |p: &Packet| encode_for_player(p, stream_id, chunk_size, shared);
        let exit = {
            let wake = woken(&self.socket, shutdown);
            tokio::pin!(wake);
            let output = Output {
                sink: &self.socket,
                out: &mut self.out,
                timeout: self.live.config.write_timeout,
            };
            viewer.play(output, encode, wake).await
        };
        match exit {
            Ok(Exit::Woken(Wake::Readable)) => {
                self.read_input()?;
                self.handle_events().await
            }
            Ok(Exit::Woken(Wake::Shutdown)) => Err(Close::Shutdown),
            Ok(Exit::Ended(end)) => {
                if end == SubscriptionEnd::StreamEnded {
                    let _ = self.session.end_play(stream_id);
                    self.flush().await?;
                }
                self.role = Role::None;
                Err(Close::Viewer(PumpEnd::Subscription(end)))
            }
            Err(end) => Err(Close::Viewer(end)),
        }
    }

    /// Writes what the session queued (handshake, replies, control).
    async fn flush(&mut self) -> Result<(), Close> {
        while let Some(bytes) = self.session.poll_transmit() {
            self.out.push(bytes);
        }
        self.write_out().await
    }

    async fn write_out(&mut self) -> Result<(), Close> {
        if self.out.is_empty() {
            return Ok(());
        }
        self.reclaim_writes().await?;
        let timeout = self.live.config.write_timeout;
        writer::write_socket(&self.socket, &mut self.out, timeout)
            .await
            .map_err(Close::Viewer)
    }

    /// Takes a player's writes back from the stream actor, so that this
    /// task may write; what the actor had not written goes out first.
    async fn reclaim_writes(&mut self) -> Result<(), Close> {
        let Role::Playing { viewer, .. } = &mut self.role else {
            return Ok(());
        };
        viewer.reclaim(&mut self.out).await.map_err(Close::Viewer)
    }

    fn log_close(&self, close: &Close) {
        let peer = self.peer;
        match close {
            Close::Peer | Close::Refused | Close::Shutdown => {
                tracing::debug!(%peer, ?close, "RTMP connection closed");
            }
            Close::Replaced => tracing::info!(%peer, "publisher replaced by a new connection"),
            Close::Viewer(end) if end.is_too_slow() => {
                tracing::info!(%peer, "RTMP player too slow: disconnected");
            }
            Close::Io(e) => tracing::info!(%peer, "RTMP connection closed: {e}"),
            Close::Session(e) => tracing::info!(%peer, "RTMP connection closed: {e}"),
            Close::Viewer(end) => tracing::info!(%peer, "RTMP connection closed: {end}"),
        }
    }
}

/// What interrupts a player besides its stream: its peer's messages
/// (read with the actor's writes left attached) and shutdown.
async fn woken(socket: &TcpStream, shutdown: &mut watch::Receiver<bool>) -> io::Result<Wake> {
    tokio::select! {
        biased;
        () = stopped(shutdown) => Ok(Wake::Shutdown),
        ready = socket.readable() => ready.map(|()| Wake::Readable),
    }
}

fn encode_for_player(packet: &Packet, stream_id: u32, chunk_size: u32, shared: bool) -> Bytes {
    let encode = |frame: &media::Frame| {
        encode_frame(frame, stream_id, chunk_size).unwrap_or_else(|e| {
            tracing::warn!("dropping a frame for RTMP players: {e}");
            Bytes::new()
        })
    };
    if shared {
        packet.rtmp_chunks(encode).clone()
    } else {
        encode(&packet.frame)
    }
}

/// What a publisher waits for besides its socket: a takeover.
async fn role_step(role: &mut Role) -> Step {
    match role {
        Role::Publishing { publisher, .. } => {
            publisher.replaced().await;
            Step::Replaced
        }
        Role::Playing { .. } | Role::None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
