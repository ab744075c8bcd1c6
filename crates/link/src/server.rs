//! The server (upstream) end of a control stream, sans-IO.
//!
//! Drive loop: [`ServerConnection::handle_input`] with received bytes and
//! `now`; drain [`ServerConnection::poll_event`] and answer
//! [`ServerEvent::VerifierNeeded`] with [`ServerConnection::handle_verifier`]
//! (storage stays outside); drain [`ServerConnection::poll_transmit`] onto
//! the stream; call [`ServerConnection::handle_timeout`] at
//! [`ServerConnection::poll_timeout`]. After [`ServerEvent::Closed`] send
//! what is left and close the stream.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::conn::{frame_name, Beats, LinkError, Wire};
use crate::frame::{
    ErrorCode, Frame, Hello, Proof, Register, RegisterNeeded, StreamRefused, Welcome,
    PROTOCOL_VERSION,
};
use crate::scram::{AuthError, ServerExchange, Verifier, MAX_ITERATIONS, MIN_ITERATIONS};

/// Server-side settings of the control stream.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Heartbeat interval both sides keep; silence for three intervals
    /// (handshake included) closes the connection.
    pub heartbeat: Duration,
    /// Register an unknown client name on first contact.
    pub auto_register: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_secs(5),
            auto_register: true,
        }
    }
}

/// What the glue must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// Look the name up and answer with [`ServerConnection::handle_verifier`].
    VerifierNeeded { name: String },
    /// An unknown client registered: store its verifier. The exchange goes
    /// on with it; call [`ServerConnection::refuse`] if storing fails.
    Registered { name: String, verifier: Verifier },
    /// The client proved its secret and received the server's signature.
    Authenticated { name: String },
    /// A failed proof; feed the address to the failure limiter.
    AuthFailed { name: String, error: AuthError },
    /// The client published a stream (auto_push). Refuse a clash with
    /// [`ServerConnection::refuse_stream`].
    Announced { stream: String },
    /// A stream announced earlier ended on the client.
    Withdrawn { stream: String },
    /// The connection is over; every announced stream is withdrawn.
    Closed { error: LinkError },
}

#[derive(Debug)]
enum State {
    AwaitHello,
    AwaitVerifier {
        hello: Hello,
    },
    AwaitRegister {
        hello: Hello,
    },
    AwaitProof {
        name: String,
        exchange: ServerExchange,
    },
    Open {
        name: String,
    },
    Closed,
}

impl State {
    fn label(&self) -> &'static str {
        match self {
            State::AwaitHello => "waiting for hello",
            State::AwaitVerifier { .. } => "looking up the client",
            State::AwaitRegister { .. } => "waiting for registration",
            State::AwaitProof { .. } => "waiting for the proof",
            State::Open { .. } => "open",
            State::Closed => "closed",
        }
    }
}

/// One client's control stream as seen by the server.
#[derive(Debug)]
pub struct ServerConnection {
    config: ServerConfig,
    nonce: Bytes,
    binding: Bytes,
    state: State,
    wire: Wire,
    beats: Beats,
    events: VecDeque<ServerEvent>,
    streams: BTreeSet<String>,
}

impl ServerConnection {
    /// A connection that waits for the client's hello. `nonce` is the
    /// server's fresh random half (at least 16 bytes); `binding` the
    /// transport's channel binding value (may be empty).
    pub fn new(config: ServerConfig, nonce: Bytes, binding: Bytes, now: Instant) -> Self {
        let beats = Beats::new(config.heartbeat, now);
        Self {
            config,
            nonce,
            binding,
            state: State::AwaitHello,
            wire: Wire::default(),
            beats,
            events: VecDeque::new(),
            streams: BTreeSet::new(),
        }
    }

    /// Bytes received on the control stream.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) -> Result<(), LinkError> {
        if matches!(self.state, State::Closed) {
            return Err(LinkError::Closed);
        }
        self.wire.push(bytes);
        self.beats.heard(now);
        self.handle_buffered(now)
    }

    /// Decodes buffered frames; stops while the glue looks a client up, so
    /// frames that arrive early wait for the answer.
    fn handle_buffered(&mut self, now: Instant) -> Result<(), LinkError> {
        loop {
            if matches!(self.state, State::AwaitVerifier { .. } | State::Closed) {
                return Ok(());
            }
            let frame = match self.wire.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.fail(ErrorCode::Protocol, e.into())),
            };
            self.handle_frame(frame, now)?;
        }
    }

    fn handle_frame(&mut self, frame: Frame, now: Instant) -> Result<(), LinkError> {
        let state = std::mem::replace(&mut self.state, State::Closed);
        match (state, frame) {
            (_, Frame::Error(e)) => Err(self.close(LinkError::Refused {
                code: e.code,
                reason: e.reason,
            })),
            (State::AwaitHello, Frame::Hello(hello)) => self.on_hello(hello),
            (State::AwaitRegister { hello }, Frame::Register(r)) => self.on_register(hello, &r),
            (State::AwaitProof { name, exchange }, Frame::Proof(p)) => {
                self.on_proof(name, &exchange, &p, now)
            }
            (state @ State::Open { .. }, frame) => {
                self.state = state;
                self.on_open_frame(frame)
            }
            (state, frame) => Err(self.unexpected(&frame, state.label())),
        }
    }

    fn on_hello(&mut self, hello: Hello) -> Result<(), LinkError> {
        if hello.version != PROTOCOL_VERSION {
            let reason = format!(
                "protocol version {} is not supported; this server speaks {PROTOCOL_VERSION}",
                hello.version
            );
            return Err(self.refuse_with(ErrorCode::UnsupportedVersion, reason));
        }
        if hello.name.is_empty() {
            return Err(self.refuse_with(ErrorCode::Protocol, "empty client name".into()));
        }
        self.events.push_back(ServerEvent::VerifierNeeded {
            name: hello.name.clone(),
        });
        self.state = State::AwaitVerifier { hello };
        Ok(())
    }

    /// The stored verifier for the name in [`ServerEvent::VerifierNeeded`],
    /// or `None` when the name is unknown.
    pub fn handle_verifier(
        &mut self,
        verifier: Option<Verifier>,
        now: Instant,
    ) -> Result<(), LinkError> {
        let state = std::mem::replace(&mut self.state, State::Closed);
        let State::AwaitVerifier { hello } = state else {
            self.state = state;
            return Ok(());
        };
        self.answer_lookup(hello, verifier)?;
        self.handle_buffered(now)
    }

    fn answer_lookup(&mut self, hello: Hello, verifier: Option<Verifier>) -> Result<(), LinkError> {
        match verifier {
            Some(verifier) => self.challenge(hello, verifier),
            None if self.config.auto_register => {
                self.send(&Frame::RegisterNeeded(RegisterNeeded))?;
                self.state = State::AwaitRegister { hello };
                Ok(())
            }
            None => {
                let reason = format!("unknown client {:?} and auto_register is off", hello.name);
                Err(self.refuse_with(ErrorCode::UnknownName, reason))
            }
        }
    }

    fn on_register(&mut self, hello: Hello, register: &Register) -> Result<(), LinkError> {
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&register.iterations) {
            let error = AuthError::IterationsOutOfRange {
                iterations: register.iterations,
            };
            return Err(self.refuse_with(ErrorCode::Protocol, error.to_string()));
        }
        let verifier = Verifier::from_register(register);
        self.events.push_back(ServerEvent::Registered {
            name: hello.name.clone(),
            verifier: verifier.clone(),
        });
        self.challenge(hello, verifier)
    }

    fn challenge(&mut self, hello: Hello, verifier: Verifier) -> Result<(), LinkError> {
        let (exchange, challenge) =
            ServerExchange::new(verifier, &hello, self.nonce.clone(), &self.binding);
        self.send(&Frame::Challenge(challenge))?;
        self.state = State::AwaitProof {
            name: hello.name,
            exchange,
        };
        Ok(())
    }

    fn on_proof(
        &mut self,
        name: String,
        exchange: &ServerExchange,
        proof: &Proof,
        now: Instant,
    ) -> Result<(), LinkError> {
        let signature = match exchange.verify(proof) {
            Ok(signature) => signature,
            Err(error) => {
                self.events.push_back(ServerEvent::AuthFailed {
                    name,
                    error: error.clone(),
                });
                return Err(self.refuse_with(ErrorCode::WrongSecret, error.to_string()));
            }
        };
        let heartbeat_ms = u32::try_from(self.config.heartbeat.as_millis()).unwrap_or(u32::MAX);
        self.send(&Frame::Welcome(Welcome {
            signature,
            heartbeat_ms,
        }))?;
        self.beats.start(self.config.heartbeat, now);
        self.events
            .push_back(ServerEvent::Authenticated { name: name.clone() });
        self.state = State::Open { name };
        Ok(())
    }

    fn on_open_frame(&mut self, frame: Frame) -> Result<(), LinkError> {
        match frame {
            Frame::Heartbeat(_) => Ok(()),
            Frame::Announce(a) if a.stream.is_empty() => {
                self.refuse_stream(&a.stream, "a stream needs a name");
                Ok(())
            }
            Frame::Announce(a) => {
                if self.streams.insert(a.stream.clone()) {
                    self.events
                        .push_back(ServerEvent::Announced { stream: a.stream });
                }
                Ok(())
            }
            Frame::Withdraw(w) => {
                if self.streams.remove(&w.stream) {
                    self.events
                        .push_back(ServerEvent::Withdrawn { stream: w.stream });
                }
                Ok(())
            }
            frame => Err(self.unexpected(&frame, "open")),
        }
    }

    /// Refuses an announced stream (for example: the name is already live
    /// here); the connection stays open.
    pub fn refuse_stream(&mut self, stream: &str, reason: &str) {
        self.streams.remove(stream);
        let frame = Frame::StreamRefused(StreamRefused {
            stream: stream.to_owned(),
            reason: reason.to_owned(),
        });
        if self.send(&frame).is_err() {
            self.refuse(ErrorCode::Internal, "stream refusal does not fit a frame");
        }
    }

    /// Refuses the client with a reason it will see (address not allowed,
    /// too many failures, storage error) and closes.
    pub fn refuse(&mut self, code: ErrorCode, reason: &str) {
        if !matches!(self.state, State::Closed) {
            self.refuse_with(code, reason.to_owned());
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
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// The authenticated client's name, once open.
    pub fn client_name(&self) -> Option<&str> {
        match &self.state {
            State::Open { name } => Some(name),
            _ => None,
        }
    }

    /// Streams this client has announced and not withdrawn.
    pub fn streams(&self) -> impl Iterator<Item = &str> {
        self.streams.iter().map(String::as_str)
    }

    fn send(&mut self, frame: &Frame) -> Result<(), LinkError> {
        self.wire
            .send(frame)
            .map_err(|e| self.fail(ErrorCode::Internal, e.into()))
    }

    fn unexpected(&mut self, frame: &Frame, state: &'static str) -> LinkError {
        let error = LinkError::Unexpected {
            frame: frame_name(frame),
            state,
        };
        self.fail(ErrorCode::Protocol, error)
    }

    fn refuse_with(&mut self, code: ErrorCode, reason: String) -> LinkError {
        self.wire.send_error(code, &reason);
        self.close(LinkError::RefusedHere { code, reason })
    }

    fn fail(&mut self, code: ErrorCode, error: LinkError) -> LinkError {
        self.wire.send_error(code, &error.to_string());
        self.close(error)
    }

    fn close(&mut self, error: LinkError) -> LinkError {
        self.state = State::Closed;
        self.wire.discard_input();
        for stream in std::mem::take(&mut self.streams) {
            self.events.push_back(ServerEvent::Withdrawn { stream });
        }
        self.events.push_back(ServerEvent::Closed {
            error: error.clone(),
        });
        error
    }
}
