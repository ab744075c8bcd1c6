//! A pull's task: owns the socket and the client session, and the local
//! publisher once the remote plays.
//!
//! Each turn writes what the session queued, then waits for whichever
//! comes first: stop, a local takeover, bytes from the remote (into the
//! session, then its events: frames go to the local stream), the idle
//! timer or the session's timer. Nothing from the remote for the idle
//! timeout fails the pull.

use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;
use hub::{Hub, HubError, Publisher};
use rtmp::chunk::DecoderLimits;
use rtmp::{ClientConfig, ClientEvent, ClientSession};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Sleep;

use super::{PullConfig, PullEnd, PullError, RemoteStream};
use crate::writer;

const READ_CHUNK: usize = 64 * 1024;

pub(super) struct Pull {
    hub: Hub,
    remote: RemoteStream,
    local: String,
    config: PullConfig,
    stopped: watch::Receiver<bool>,
}

/// What one wait of the loop brought.
enum Step {
    Read(std::io::Result<usize>),
    Timer,
    Idle,
    TakenOver,
    Stop,
}

/// A connected pull.
struct Running {
    socket: TcpStream,
    session: ClientSession,
    /// Set once the remote plays.
    publisher: Option<Publisher>,
    out: Vec<Bytes>,
    buf: Box<[u8]>,
    /// When the remote last sent something; the idle timer, moved on
    /// only when it fires (not one timer per read).
    last_read: tokio::time::Instant,
    idle: Pin<Box<Sleep>>,
}

impl Pull {
    pub(super) fn new(
        hub: Hub,
        remote: RemoteStream,
        local: String,
        config: PullConfig,
        stopped: watch::Receiver<bool>,
    ) -> Pull {
        Pull {
            hub,
            remote,
            local,
            config,
            stopped,
        }
    }

    pub(super) async fn run(mut self) -> PullEnd {
        let end = match self.connect().await {
            Ok(Some(mut running)) => self.drive(&mut running).await,
            Ok(None) => Ok(PullEnd::Stopped),
            Err(e) => Err(e),
        };
        let end = end.unwrap_or_else(PullEnd::Failed);
        match &end {
            PullEnd::Failed(e) => {
                tracing::warn!(remote = %self.remote.tc_url, stream = %self.local, "pull failed: {e}")
            }
            end => {
                tracing::info!(remote = %self.remote.tc_url, stream = %self.local, ?end, "pull ended")
            }
        }
        end
    }

    /// Opens the connection and starts the session; `None` if stopped
    /// meanwhile.
    async fn connect(&mut self) -> Result<Option<Running>, PullError> {
        let authority = self.remote.authority.clone();
        let connect = tokio::time::timeout(
            self.config.connect_timeout,
            TcpStream::connect(authority.as_str()),
        );
        let connected = tokio::select! {
            connected = connect => connected,
            _ = crate::rtmp_listener::stopped(&mut self.stopped) => return Ok(None),
        };
        let socket = match connected {
            Ok(Ok(socket)) => socket,
            Ok(Err(source)) => return Err(PullError::Connect { authority, source }),
            Err(_) => {
                let source = std::io::ErrorKind::TimedOut.into();
                return Err(PullError::Connect { authority, source });
            }
        };
        let _ = socket.set_nodelay(true);
        let mut config = ClientConfig::new(&self.remote.app, &self.remote.tc_url);
        config.limits = DecoderLimits {
            max_message_size: self.config.max_message_bytes,
            ..DecoderLimits::default()
        };
        config.seed = crate::rtmp_listener::seed();
        let mut session = ClientSession::new(config, Instant::now());
        // A fresh session has no goal yet: this cannot be refused.
        let _ = session.play(&self.remote.play_name);
        Ok(Some(Running {
            socket,
            session,
            publisher: None,
            out: Vec::new(),
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            last_read: tokio::time::Instant::now(),
            idle: Box::pin(tokio::time::sleep(self.config.idle_timeout)),
        }))
    }

    async fn drive(&mut self, run: &mut Running) -> Result<PullEnd, PullError> {
        loop {
            run.flush().await?;
            let deadline = run.session.poll_timeout();
            let idle = self.config.idle_timeout;
            let step = tokio::select! {
                biased;
                _ = crate::rtmp_listener::stopped(&mut self.stopped) => Step::Stop,
                () = replaced(&mut run.publisher) => Step::TakenOver,
                read = run.socket.read(&mut run.buf) => Step::Read(read),
                () = run.idle.as_mut() => Step::Idle,
                () = sleep_until(deadline) => Step::Timer,
            };
            let n = match step {
                Step::Read(read) => read?,
                Step::Timer => {
                    run.session.handle_timeout(Instant::now())?;
                    continue;
                }
                Step::Idle => {
                    let due = run.last_read + idle;
                    if due <= tokio::time::Instant::now() {
                        return Err(PullError::Idle(idle));
                    }
                    run.idle.as_mut().reset(due);
                    continue;
                }
                Step::TakenOver => return Ok(PullEnd::TakenOver),
                Step::Stop => {
                    run.session.stop();
                    // Telling the remote is a courtesy: the pull is over
                    // whether or not it hears.
                    let _ = run.flush().await;
                    return Ok(PullEnd::Stopped);
                }
            };
            if n == 0 {
                return Err(PullError::Closed);
            }
            run.last_read = tokio::time::Instant::now();
            run.session
                .handle_input(&run.buf[..n], run.last_read.into_std())?;
            if let Some(end) = self.handle_events(run).await? {
                return Ok(end);
            }
        }
    }

    /// Drains the session's events; the end of the pull if one says so.
    async fn handle_events(&self, run: &mut Running) -> Result<Option<PullEnd>, PullError> {
        while let Some(event) = run.session.poll_event() {
            match event {
                ClientEvent::PlayStarted { .. } => {
                    tracing::info!(remote = %self.remote.tc_url, stream = %self.local, "pull playing");
                    run.publisher = Some(self.hub.publish(&self.local).await);
                }
                ClientEvent::Frame(frame) => {
                    let Some(publisher) = &run.publisher else {
                        continue;
                    };
                    match publisher.send(frame).await {
                        Ok(()) => {}
                        Err(HubError::Replaced { .. }) => return Ok(Some(PullEnd::TakenOver)),
                        Err(_) => {
                            let name = self.local.clone();
                            return Err(PullError::LocalEnded { name });
                        }
                    }
                }
                ClientEvent::StreamEnded => return Ok(Some(PullEnd::RemoteEnded)),
                ClientEvent::Rejected { code, description } => {
                    return Err(PullError::Rejected { code, description })
                }
                ClientEvent::Status {
                    code, description, ..
                } => {
                    tracing::debug!(stream = %self.local, code, description, "pull status");
                }
                ClientEvent::Connected | ClientEvent::PublishStarted { .. } => {}
            }
        }
        Ok(None)
    }
}

impl Running {
    /// Writes what the session queued.
    async fn flush(&mut self) -> Result<(), PullError> {
        while let Some(bytes) = self.session.poll_transmit() {
            self.out.push(bytes);
        }
        if self.out.is_empty() {
            return Ok(());
        }
        let timeout = std::time::Duration::from_secs(10);
        writer::write_socket(&self.socket, &mut self.out, timeout)
            .await
            .map_err(|end| match end {
                writer::PumpEnd::Io(e) => PullError::Io(e),
                _ => PullError::Io(std::io::ErrorKind::TimedOut.into()),
            })
    }
}

/// Completes when a local publisher took the stream over.
async fn replaced(publisher: &mut Option<Publisher>) {
    match publisher {
        Some(publisher) => publisher.replaced().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}
