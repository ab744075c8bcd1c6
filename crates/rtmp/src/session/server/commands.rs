//! Commands from the client: answered here, or turned into events that
//! wait for the application.

use super::{ServerEvent, ServerSession, StreamState};
use crate::command::{
    status_code, Command, CommandResult, Connect, CreateStream, OnStatus, Play, Publish,
    RawCommand, StatusLevel,
};
use crate::error::SessionError;
use crate::message::{Message, SetPeerBandwidth};
use crate::session::split_query;

impl ServerSession {
    pub(super) fn handle_command(
        &mut self,
        stream_id: u32,
        raw: RawCommand,
    ) -> Result<(), SessionError> {
        match Command::parse(raw)? {
            Command::Connect(connect) => self.on_connect(connect),
            Command::CreateStream(create) => self.on_create_stream(create)?,
            Command::Publish(publish) => self.on_publish(stream_id, publish),
            Command::Play(play) => self.on_play(stream_id, play),
            Command::DeleteStream(delete) => {
                self.end_stream(delete.stream_id.unwrap_or(stream_id), true);
            }
            Command::CloseStream(_) => self.end_stream(stream_id, false),
            Command::FcUnpublish(fc) => {
                self.on_fc_unpublish(&fc.name);
                self.reply_empty(fc.transaction_id);
            }
            Command::ReleaseStream(c) => self.reply_empty(c.transaction_id),
            Command::FcPublish(c) => self.reply_empty(c.transaction_id),
            Command::CheckBw(c) => self.reply_empty(c.transaction_id),
            Command::GetStreamLength(c) => {
                let mut result = CommandResult::empty(c.transaction_id);
                result.args = vec![amf0::Value::Number(0.0)];
                self.transport.send_command(0, result.to_raw());
            }
            Command::Result(_) | Command::OnStatus(_) => {}
            Command::Other(raw) => tracing::debug!(name = %raw.name, "ignoring a command"),
        }
        Ok(())
    }

    fn reply_empty(&mut self, transaction_id: f64) {
        if transaction_id != 0.0 {
            let result = CommandResult::empty(transaction_id);
            self.transport.send_command(0, result.to_raw());
        }
    }

    fn on_connect(&mut self, connect: Connect) {
        self.app = connect.app.clone();
        self.transport.set_own_window(self.config.window_ack_size);
        let bandwidth = SetPeerBandwidth {
            size: self.config.peer_bandwidth,
            limit_type: 2,
        };
        self.transport
            .send_control(&Message::SetPeerBandwidth(bandwidth));
        self.transport.set_out_chunk_size(self.config.chunk_size);
        self.transport.send_command(0, connect.success().to_raw());
        self.events.push_back(ServerEvent::Connect {
            app: connect.app,
            tc_url: connect.tc_url,
        });
    }

    fn on_create_stream(&mut self, create: CreateStream) -> Result<(), SessionError> {
        if self.streams.len() >= self.config.max_message_streams {
            return Err(SessionError::TooManyStreams {
                max: self.config.max_message_streams,
            });
        }
        let stream_id = self.next_stream_id;
        self.next_stream_id = self.next_stream_id.wrapping_add(1).max(1);
        self.streams.insert(stream_id, StreamState::Idle);
        self.transport
            .send_command(0, create.success(stream_id).to_raw());
        Ok(())
    }

    fn on_publish(&mut self, stream_id: u32, publish: Publish) {
        if !matches!(self.streams.get(&stream_id), Some(StreamState::Idle)) {
            let reason = "The stream is not available for publishing.";
            self.send_status(
                stream_id,
                StatusLevel::Error,
                status_code::PUBLISH_BAD_NAME,
                reason,
            );
            return;
        }
        let (stream_key, query) = split_query(&publish.name);
        let key = stream_key.clone();
        self.streams.insert(
            stream_id,
            StreamState::PublishPending {
                key,
                early: Default::default(),
            },
        );
        self.events.push_back(ServerEvent::PublishRequested {
            stream_id,
            app: self.app.clone(),
            stream_key,
            query,
        });
    }

    fn on_play(&mut self, stream_id: u32, play: Play) {
        if !matches!(self.streams.get(&stream_id), Some(StreamState::Idle)) {
            let reason = "The stream is not available for playing.";
            let code = status_code::PLAY_STREAM_NOT_FOUND;
            self.send_status(stream_id, StatusLevel::Error, code, reason);
            return;
        }
        self.streams.insert(stream_id, StreamState::PlayPending);
        let (stream_name, query) = split_query(&play.name);
        self.events.push_back(ServerEvent::PlayRequested {
            stream_id,
            app: self.app.clone(),
            stream_name,
            query,
        });
    }

    fn on_fc_unpublish(&mut self, name: &str) {
        let (key, _) = split_query(name);
        let publishing = self.streams.iter().find_map(|(id, state)| match state {
            StreamState::Publishing { key: k, .. } if *k == key => Some(*id),
            _ => None,
        });
        if let Some(stream_id) = publishing {
            self.end_stream(stream_id, false);
        }
    }

    pub(super) fn send_status(
        &mut self,
        stream_id: u32,
        level: StatusLevel,
        code: &str,
        description: &str,
    ) {
        let status = OnStatus::new(level, code, description);
        self.transport.send_command(stream_id, status.to_raw());
    }
}
