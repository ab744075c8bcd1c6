//! The server side of an RTMP connection.

mod commands;
mod config;
mod decisions;
mod event;
mod media_in;

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use media::TimestampUnwrapper;

pub use config::ServerConfig;
pub use event::ServerEvent;

use super::transport::{Incoming, Transport};
use crate::error::SessionError;
use crate::handshake::{HandshakeMode, ServerHandshake};
use crate::message::Message;

#[derive(Debug)]
enum Phase {
    Handshake(ServerHandshake),
    Active,
    Closed,
}

/// Where one message stream (from createStream) stands.
#[derive(Debug)]
enum StreamState {
    Idle,
    /// Waiting for the application; media that arrives meanwhile is kept
    /// (bounded) and delivered on acceptance.
    PublishPending {
        key: String,
        early: media_in::EarlyMedia,
    },
    Publishing {
        key: String,
        clock: TimestampUnwrapper,
    },
    PlayPending,
    Playing,
}

/// A server-side RTMP connection, sans-IO.
///
/// Feed received bytes to [`handle_input`](Self::handle_input), then drain
/// [`poll_event`](Self::poll_event) and [`poll_transmit`](Self::poll_transmit).
/// Connect, createStream and friends are answered on their own; publish and
/// play wait for the application's `accept_*`/`reject_*`.
#[derive(Debug)]
pub struct ServerSession {
    config: ServerConfig,
    phase: Phase,
    input: BytesMut,
    transport: Transport,
    events: VecDeque<ServerEvent>,
    app: String,
    streams: BTreeMap<u32, StreamState>,
    next_stream_id: u32,
    handshake_deadline: Instant,
    last_input: Instant,
    handshake_mode: Option<HandshakeMode>,
}

impl ServerSession {
    /// A session for a connection accepted at `now`.
    pub fn new(config: ServerConfig, now: Instant) -> ServerSession {
        ServerSession {
            phase: Phase::Handshake(ServerHandshake::new(config.seed)),
            input: BytesMut::new(),
            transport: Transport::new(config.limits),
            events: VecDeque::new(),
            app: String::new(),
            streams: BTreeMap::new(),
            next_stream_id: 1,
            handshake_deadline: now + config.handshake_timeout,
            last_input: now,
            handshake_mode: None,
            config,
        }
    }

    /// Consumes bytes read from the socket.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) -> Result<(), SessionError> {
        if matches!(self.phase, Phase::Closed) {
            return Err(SessionError::Closed);
        }
        self.last_input = now;
        self.input.extend_from_slice(bytes);
        self.transport.count_received(bytes.len());
        let result = self.process_input();
        if result.is_err() {
            self.phase = Phase::Closed;
        }
        // A player sends next to nothing once it plays: a connection with
        // nothing left to parse keeps no read buffer.
        if self.input.is_empty() {
            self.input = BytesMut::new();
        }
        result
    }

    /// Bytes of memory held for input not parsed yet.
    #[cfg(test)]
    pub(crate) fn read_buffer_capacity(&self) -> usize {
        self.input.capacity()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
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

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Handshake(_) => Some(self.handshake_deadline),
            Phase::Active if !self.is_playing() => {
                self.config.idle_timeout.map(|idle| self.last_input + idle)
            }
            Phase::Active | Phase::Closed => None,
        }
    }

    /// Checks the deadlines; an error means the connection must close.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), SessionError> {
        let Some(deadline) = self.poll_timeout() else {
            return Ok(());
        };
        if now < deadline {
            return Ok(());
        }
        let error = match self.phase {
            Phase::Handshake(_) => SessionError::HandshakeTimeout,
            _ => SessionError::IdleTimeout,
        };
        self.close();
        Err(error)
    }

    /// The socket closed (or the glue is closing it): reports the end of
    /// every publish and play as events.
    pub fn handle_close(&mut self) {
        self.close();
    }

    /// The chunk size of what this session sends (after connect: the
    /// configured size). Frames for this viewer must be encoded with it.
    pub fn outgoing_chunk_size(&self) -> u32 {
        self.transport.out_chunk_size()
    }

    /// The last byte count the client acknowledged.
    pub fn peer_acknowledged(&self) -> u32 {
        self.transport.peer_acked()
    }

    /// How the handshake went, once it is over.
    pub fn handshake_mode(&self) -> Option<HandshakeMode> {
        self.handshake_mode
    }

    /// The application name from connect.
    pub fn app(&self) -> &str {
        &self.app
    }

    fn is_playing(&self) -> bool {
        self.streams
            .values()
            .any(|s| matches!(s, StreamState::Playing | StreamState::PlayPending))
    }

    fn process_input(&mut self) -> Result<(), SessionError> {
        if let Phase::Handshake(handshake) = &mut self.phase {
            handshake.handle_input(&mut self.input)?;
            if !handshake.is_done() {
                return Ok(());
            }
            // Keep S0+S1+S2 ahead of anything the session sends next.
            while let Some(bytes) = handshake.poll_transmit() {
                self.transport.push_transmit(bytes);
            }
            self.handshake_mode = handshake.mode();
            self.phase = Phase::Active;
        }
        while let Some(incoming) = self.transport.next_message(&mut self.input)? {
            self.handle_message(incoming)?;
        }
        Ok(())
    }

    fn handle_message(&mut self, incoming: Incoming) -> Result<(), SessionError> {
        let Incoming { header, message } = incoming;
        match message {
            Message::Command(raw) => self.handle_command(header.stream_id, raw)?,
            Message::Audio(body) => self.handle_media(header, media::Track::Audio, body),
            Message::Video(body) => self.handle_media(header, media::Track::Video, body),
            Message::Data(data) => self.handle_data(header, data),
            Message::Other { type_id, .. } => {
                tracing::debug!(type_id, "ignoring a message type this server does not use");
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self) {
        if matches!(self.phase, Phase::Closed) && self.streams.is_empty() {
            return;
        }
        self.phase = Phase::Closed;
        let ids: Vec<u32> = self.streams.keys().copied().collect();
        for id in ids {
            self.end_stream(id, true);
        }
    }

    /// Ends what `stream_id` does, reporting it; removes it if `delete`.
    fn end_stream(&mut self, stream_id: u32, delete: bool) {
        let state = if delete {
            self.streams.remove(&stream_id)
        } else {
            self.streams.insert(stream_id, StreamState::Idle)
        };
        match state {
            Some(StreamState::PublishPending { .. } | StreamState::Publishing { .. }) => {
                self.events
                    .push_back(ServerEvent::Unpublished { stream_id });
            }
            Some(StreamState::PlayPending | StreamState::Playing) => {
                self.events
                    .push_back(ServerEvent::PlayStopped { stream_id });
            }
            Some(StreamState::Idle) | None => {}
        }
    }
}
