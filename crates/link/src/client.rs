//! The client (downstream) end of a control stream, sans-IO.
//!
//! Drive loop: create a [`ClientConnection`] when the stream opens (it
//! queues the hello), then as for the server: [`ClientConnection::handle_input`],
//! drain [`ClientConnection::poll_event`] and
//! [`ClientConnection::poll_transmit`], call
//! [`ClientConnection::handle_timeout`] at [`ClientConnection::poll_timeout`].
//! After [`ClientEvent::Connected`], announce local streams (auto_push).

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::conn::{frame_name, Beats, LinkError, Wire};
use crate::frame::{Announce, Challenge, ErrorCode, Frame, Welcome, Withdraw};
use crate::scram::{ClientExchange, DEFAULT_ITERATIONS};

/// Shortest and longest heartbeat interval a client accepts from a server.
const HEARTBEAT_RANGE: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(3600));

/// Client-side settings of the control stream.
#[derive(Clone)]
pub struct ClientConfig {
    pub name: String,
    pub secret: Vec<u8>,
    /// Iterations for the verifier sent when the server asks to register.
    pub register_iterations: u32,
    /// How long to wait for the handshake, as a heartbeat interval: three
    /// of them without a word from the server close the connection.
    pub handshake_beat: Duration,
}

impl ClientConfig {
    pub fn new(name: impl Into<String>, secret: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            secret: secret.into(),
            register_iterations: DEFAULT_ITERATIONS,
            handshake_beat: Duration::from_secs(5),
        }
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("name", &self.name)
            .field("register_iterations", &self.register_iterations)
            .finish_non_exhaustive()
    }
}

/// What the glue must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The server did not know this client and asked it to register; the
    /// verifier (never the secret) was sent.
    Registering,
    /// Both sides proved the secret; heartbeats run at `heartbeat`.
    Connected { heartbeat: Duration },
    /// The server refused an announced stream; the connection stays up.
    StreamRefused { stream: String, reason: String },
    /// The connection is over, with the reason.
    Closed { error: LinkError },
}

#[derive(Debug)]
enum State {
    AwaitChallenge { registered: bool },
    AwaitWelcome,
    Open,
    Closed,
}

/// The client's control stream to one server.
#[derive(Debug)]
pub struct ClientConnection {
    exchange: ClientExchange,
    register_salt: Bytes,
    register_iterations: u32,
    state: State,
    wire: Wire,
    beats: Beats,
    events: VecDeque<ClientEvent>,
    announced: BTreeSet<String>,
}

impl ClientConnection {
    /// Starts the handshake. `nonce` is this side's fresh random half,
    /// `register_salt` a fresh salt used only if the server asks to
    /// register, `binding` the transport's channel binding (may be empty).
    pub fn new(
        config: ClientConfig,
        nonce: Bytes,
        register_salt: Bytes,
        binding: Bytes,
        now: Instant,
    ) -> Self {
        let exchange = ClientExchange::new(&config.name, &config.secret, nonce, binding);
        let mut wire = Wire::default();
        let hello = Frame::Hello(exchange.hello().clone());
        let mut state = State::AwaitChallenge { registered: false };
        let mut events = VecDeque::new();
        if let Err(e) = wire.send(&hello) {
            state = State::Closed;
            events.push_back(ClientEvent::Closed { error: e.into() });
        }
        Self {
            exchange,
            register_salt,
            register_iterations: config.register_iterations,
            state,
            wire,
            beats: Beats::new(config.handshake_beat, now),
            events,
            announced: BTreeSet::new(),
        }
    }

    /// Bytes received on the control stream.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) -> Result<(), LinkError> {
        if matches!(self.state, State::Closed) {
            return Err(LinkError::Closed);
        }
        self.wire.push(bytes);
        self.beats.heard(now);
        loop {
            let frame = match self.wire.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(ErrorCode::Protocol, e.into())),
            };
            self.handle_frame(frame, now)?;
        }
    }

    fn handle_frame(&mut self, frame: Frame, now: Instant) -> Result<(), LinkError> {
        match (&self.state, frame) {
            (_, Frame::Error(e)) => Err(self.close(LinkError::Refused {
                code: e.code,
                reason: e.reason,
            })),
            (State::AwaitChallenge { registered: false }, Frame::RegisterNeeded(_)) => {
                self.on_register_needed()
            }
            (State::AwaitChallenge { .. }, Frame::Challenge(c)) => self.on_challenge(&c),
            (State::AwaitWelcome, Frame::Welcome(w)) => self.on_welcome(&w, now),
            (State::Open, Frame::Heartbeat(_)) => Ok(()),
            (State::Open, Frame::StreamRefused(r)) => {
                self.announced.remove(&r.stream);
                self.events.push_back(ClientEvent::StreamRefused {
                    stream: r.stream,
                    reason: r.reason,
                });
                Ok(())
            }
            (state, frame) => {
                let error = LinkError::Unexpected {
                    frame: frame_name(&frame),
                    state: label(state),
                };
                Err(self.fail(ErrorCode::Protocol, error))
            }
        }
    }

    fn on_register_needed(&mut self) -> Result<(), LinkError> {
        let register = self
            .exchange
            .register(self.register_salt.clone(), self.register_iterations)
            .map_err(|e| self.fail(ErrorCode::Internal, e.into()))?;
        self.send(&Frame::Register(register))?;
        self.state = State::AwaitChallenge { registered: true };
        self.events.push_back(ClientEvent::Registering);
        Ok(())
    }

    fn on_challenge(&mut self, challenge: &Challenge) -> Result<(), LinkError> {
        let proof = self
            .exchange
            .handle_challenge(challenge)
            .map_err(|e| self.fail(ErrorCode::Protocol, e.into()))?;
        self.send(&Frame::Proof(proof))?;
        self.state = State::AwaitWelcome;
        Ok(())
    }

    fn on_welcome(&mut self, welcome: &Welcome, now: Instant) -> Result<(), LinkError> {
        if let Err(e) = self.exchange.handle_welcome(welcome) {
            return Err(self.fail(ErrorCode::BadServerSignature, e.into()));
        }
        let (min, max) = HEARTBEAT_RANGE;
        let heartbeat = Duration::from_millis(u64::from(welcome.heartbeat_ms)).clamp(min, max);
        self.beats.start(heartbeat, now);
        self.state = State::Open;
        self.events.push_back(ClientEvent::Connected { heartbeat });
        Ok(())
    }

    /// Announces a stream published here (auto_push). Only once connected.
    pub fn announce(&mut self, stream: &str) -> Result<(), LinkError> {
        self.require_open()?;
        if self.announced.insert(stream.to_owned()) {
            self.send(&Frame::Announce(Announce {
                stream: stream.to_owned(),
            }))?;
        }
        Ok(())
    }

    /// Withdraws a stream announced earlier (it ended here).
    pub fn withdraw(&mut self, stream: &str) -> Result<(), LinkError> {
        self.require_open()?;
        if self.announced.remove(stream) {
            self.send(&Frame::Withdraw(Withdraw {
                stream: stream.to_owned(),
            }))?;
        }
        Ok(())
    }

    fn require_open(&self) -> Result<(), LinkError> {
        match self.state {
            State::Open => Ok(()),
            State::Closed => Err(LinkError::Closed),
            _ => Err(LinkError::NotOpen),
        }
    }

    /// The clock moved: sends heartbeats, closes a silent connection.
    pub fn handle_timeout(&mut self, now: Instant) {
        if matches!(self.state, State::Closed) {
            return;
        }
        if self.beats.is_dead(now) {
            let silent = self.beats.dead_after();
            self.wire
                .send_error(ErrorCode::Timeout, &format!("nothing heard for {silent:?}"));
            self.close(LinkError::Timeout(silent));
            return;
        }
        if let Some(beat) = self.beats.due(now) {
            // A heartbeat always fits.
            let _ = self.wire.send(&Frame::Heartbeat(beat));
        }
    }

    /// When [`Self::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!matches!(self.state, State::Closed)).then(|| self.beats.poll_timeout())
    }

    /// The next bytes to write on the control stream.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.wire.poll_transmit()
    }

    /// The next event for the glue.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    fn send(&mut self, frame: &Frame) -> Result<(), LinkError> {
        self.wire
            .send(frame)
            .map_err(|e| self.fail(ErrorCode::Internal, e.into()))
    }

    fn fail(&mut self, code: ErrorCode, error: LinkError) -> LinkError {
        self.wire.send_error(code, &error.to_string());
        self.close(error)
    }

    fn close(&mut self, error: LinkError) -> LinkError {
        self.state = State::Closed;
        self.wire.discard_input();
        self.events.push_back(ClientEvent::Closed {
            error: error.clone(),
        });
        error
    }
}

fn label(state: &State) -> &'static str {
    match state {
        State::AwaitChallenge { .. } => "waiting for the challenge",
        State::AwaitWelcome => "waiting for the welcome",
        State::Open => "open",
        State::Closed => "closed",
    }
}
