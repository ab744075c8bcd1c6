//! The client side of an RTMP connection: connect, createStream, then play
//! or publish.

mod config;
mod event;
mod replies;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use media::{Frame, TimestampUnwrapper, Track};

pub use config::ClientConfig;
pub use event::ClientEvent;

use super::transport::{Incoming, Transport};
use crate::chunk::{encode_frame, MessageHeader, CSID_DATA};
use crate::command::{Connect, CreateStream, DeleteStream, FcUnpublish, Play, Publish};
use crate::error::{SessionError, UsageError};
use crate::handshake::{ClientHandshake, HandshakeMode};
use crate::message::{DataMessage, Message, UserControl, TYPE_DATA_AMF0};

const CONNECT_TRANSACTION: f64 = 1.0;
const CREATE_STREAM_TRANSACTION: f64 = 2.0;

#[derive(Debug)]
enum Phase {
    Handshake(ClientHandshake),
    Active,
    Closed,
}

/// What the client was asked to do once connected.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Goal {
    Play(String),
    Publish(String),
}

/// Where the client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Connecting,
    Connected,
    CreatingStream,
    Starting { stream_id: u32 },
    Playing { stream_id: u32 },
    Publishing { stream_id: u32 },
    Ended,
}

/// A client-side RTMP connection, sans-IO. Same drive loop as the server:
/// `handle_input`, then drain `poll_event` and `poll_transmit`.
#[derive(Debug)]
pub struct ClientSession {
    config: ClientConfig,
    phase: Phase,
    state: State,
    goal: Option<Goal>,
    input: BytesMut,
    transport: Transport,
    events: VecDeque<ClientEvent>,
    clock: TimestampUnwrapper,
    handshake_deadline: Instant,
    handshake_mode: Option<HandshakeMode>,
}

impl ClientSession {
    /// Starts connecting at `now`; C0+C1 is ready in `poll_transmit`.
    pub fn new(config: ClientConfig, now: Instant) -> ClientSession {
        ClientSession {
            phase: Phase::Handshake(ClientHandshake::new(config.seed)),
            state: State::Connecting,
            goal: None,
            input: BytesMut::new(),
            transport: Transport::new(config.limits),
            events: VecDeque::new(),
            clock: TimestampUnwrapper::new(),
            handshake_deadline: now + config.handshake_timeout,
            handshake_mode: None,
            config,
        }
    }

    /// Plays `name` (with an optional `?query`) once connected.
    pub fn play(&mut self, name: &str) -> Result<(), UsageError> {
        self.set_goal(Goal::Play(name.to_owned()))
    }

    /// Publishes as `name` (with an optional `?query`) once connected.
    pub fn publish(&mut self, name: &str) -> Result<(), UsageError> {
        self.set_goal(Goal::Publish(name.to_owned()))
    }

    /// Sends a frame while publishing. Metadata (`Track::Data`) is wrapped
    /// in `@setDataFrame` as encoders do.
    pub fn send_frame(&mut self, frame: &Frame) -> Result<(), UsageError> {
        let State::Publishing { stream_id } = self.state else {
            return Err(UsageError::NotPublishing);
        };
        let chunk_size = self.transport.out_chunk_size();
        let encoded = if frame.track == Track::Data {
            let header = MessageHeader {
                csid: CSID_DATA,
                timestamp: frame.dts as u32,
                type_id: TYPE_DATA_AMF0,
                stream_id,
            };
            let body = DataMessage::wrap_set_data_frame(&frame.data);
            crate::chunk::encode_message(&header, &body, chunk_size)
        } else {
            encode_frame(frame, stream_id, chunk_size)
        };
        match encoded {
            Ok(bytes) => self.transport.push_transmit(bytes),
            Err(error) => tracing::warn!(%error, "dropping an outgoing frame"),
        }
        Ok(())
    }

    /// Stops publishing or playing politely (FCUnpublish, deleteStream).
    pub fn stop(&mut self) {
        let stream_id = match (self.state, &self.goal) {
            (State::Publishing { stream_id }, Some(Goal::Publish(name))) => {
                let name = name.clone();
                let fc = FcUnpublish {
                    transaction_id: 0.0,
                    name,
                };
                self.transport.send_command(0, fc.to_raw());
                stream_id
            }
            (State::Playing { stream_id } | State::Starting { stream_id }, _) => stream_id,
            _ => return,
        };
        let delete = DeleteStream {
            transaction_id: 0.0,
            stream_id: Some(stream_id),
        };
        self.transport.send_command(0, delete.to_raw());
        self.state = State::Ended;
    }

    /// Consumes bytes read from the socket.
    pub fn handle_input(&mut self, bytes: &[u8], _now: Instant) -> Result<(), SessionError> {
        if matches!(self.phase, Phase::Closed) {
            return Err(SessionError::Closed);
        }
        self.input.extend_from_slice(bytes);
        self.transport.count_received(bytes.len());
        let result = self.process_input();
        if result.is_err() {
            self.phase = Phase::Closed;
        }
        result
    }

    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// The next bytes to write to the socket. Drain until `None`.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if let Phase::Handshake(handshake) = &mut self.phase {
            if let Some(bytes) = handshake.poll_transmit() {
                return Some(bytes);
            }
        }
        self.transport.poll_transmit()
    }

    /// The handshake deadline while it runs; nothing afterwards.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Handshake(_) => Some(self.handshake_deadline),
            _ => None,
        }
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), SessionError> {
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => {
                self.phase = Phase::Closed;
                Err(SessionError::HandshakeTimeout)
            }
            _ => Ok(()),
        }
    }

    /// The message stream id the server gave, once it did.
    pub fn stream_id(&self) -> Option<u32> {
        match self.state {
            State::Starting { stream_id }
            | State::Playing { stream_id }
            | State::Publishing { stream_id } => Some(stream_id),
            _ => None,
        }
    }

    /// How the handshake went, once it is over.
    pub fn handshake_mode(&self) -> Option<HandshakeMode> {
        self.handshake_mode
    }

    /// Announces and switches to a new outgoing chunk size (mid-stream too).
    pub fn set_chunk_size(&mut self, size: u32) {
        if matches!(self.phase, Phase::Active) {
            self.transport.set_out_chunk_size(size);
        }
    }

    /// The chunk size of what this session sends.
    pub fn outgoing_chunk_size(&self) -> u32 {
        self.transport.out_chunk_size()
    }

    /// The last byte count the server acknowledged.
    pub fn peer_acknowledged(&self) -> u32 {
        self.transport.peer_acked()
    }

    fn set_goal(&mut self, goal: Goal) -> Result<(), UsageError> {
        if matches!(self.phase, Phase::Closed) {
            return Err(UsageError::Closed);
        }
        if self.goal.is_some() {
            return Err(UsageError::WrongStreamState { stream_id: 0 });
        }
        self.goal = Some(goal);
        if self.state == State::Connected {
            self.create_stream();
        }
        Ok(())
    }

    fn process_input(&mut self) -> Result<(), SessionError> {
        if let Phase::Handshake(handshake) = &mut self.phase {
            handshake.handle_input(&mut self.input)?;
            if !handshake.is_done() {
                return Ok(());
            }
            while let Some(bytes) = handshake.poll_transmit() {
                self.transport.push_transmit(bytes);
            }
            self.handshake_mode = handshake.mode();
            self.phase = Phase::Active;
            self.transport.set_out_chunk_size(self.config.chunk_size);
            let connect = Connect::new(&self.config.app, &self.config.tc_url);
            self.transport.send_command(0, connect.to_raw());
        }
        while let Some(incoming) = self.transport.next_message(&mut self.input)? {
            self.handle_message(incoming)?;
        }
        Ok(())
    }

    fn handle_message(&mut self, incoming: Incoming) -> Result<(), SessionError> {
        let Incoming { header, message } = incoming;
        match message {
            Message::Command(raw) => self.handle_command(raw)?,
            Message::Audio(body) => self.handle_media(header, Track::Audio, body),
            Message::Video(body) => self.handle_media(header, Track::Video, body),
            Message::Data(data) if data.name == "onMetaData" => {
                self.handle_media(header, Track::Data, data.body);
            }
            Message::UserControl(UserControl::StreamEof(_)) => self.stream_ended(),
            _ => {}
        }
        Ok(())
    }

    fn handle_media(&mut self, header: MessageHeader, track: Track, body: Bytes) {
        let State::Playing { stream_id } = self.state else {
            return;
        };
        if header.stream_id != stream_id {
            tracing::debug!(
                header.stream_id,
                stream_id,
                "media on another message stream"
            );
        }
        let dts = self.clock.unwrap(header.timestamp);
        match Frame::parse(track, dts, body) {
            Ok(frame) => self.events.push_back(ClientEvent::Frame(frame)),
            Err(error) => tracing::warn!(%error, "dropping a received frame"),
        }
    }

    fn create_stream(&mut self) {
        self.state = State::CreatingStream;
        let create = CreateStream {
            transaction_id: CREATE_STREAM_TRANSACTION,
        };
        self.transport.send_command(0, create.to_raw());
    }

    fn start(&mut self, stream_id: u32) {
        self.state = State::Starting { stream_id };
        match self.goal.clone() {
            Some(Goal::Play(name)) => {
                let length = UserControl::SetBufferLength {
                    stream_id,
                    millis: self.config.buffer_length_ms,
                };
                self.transport
                    .send_command(stream_id, Play::new(&name).to_raw());
                self.transport.send_control(&Message::UserControl(length));
            }
            Some(Goal::Publish(name)) => {
                let publish = Publish {
                    transaction_id: 0.0,
                    name,
                    kind: "live".into(),
                };
                self.transport.send_command(stream_id, publish.to_raw());
            }
            None => {}
        }
    }

    fn stream_ended(&mut self) {
        if matches!(self.state, State::Playing { .. } | State::Starting { .. }) {
            self.state = State::Ended;
            self.events.push_back(ClientEvent::StreamEnded);
        }
    }
}
