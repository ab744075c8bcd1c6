//! The application's answers to publish and play requests, and media out.

use media::{Frame, TimestampUnwrapper};

use super::{ServerSession, StreamState};
use crate::chunk::{encode_frame, CSID_DATA};
use crate::command::{status_code, StatusLevel};
use crate::error::UsageError;
use crate::message::{Message, UserControl};

impl ServerSession {
    /// Lets a pending publish start: sends NetStream.Publish.Start; frames
    /// follow as [`super::ServerEvent::Frame`].
    pub fn accept_publish(&mut self, stream_id: u32) -> Result<(), UsageError> {
        self.take_pending(stream_id, |s| {
            matches!(s, StreamState::PublishPending { .. })
        })?;
        let Some(StreamState::PublishPending { key, early }) = self.streams.remove(&stream_id)
        else {
            return Err(UsageError::WrongStreamState { stream_id });
        };
        let clock = TimestampUnwrapper::new();
        self.streams
            .insert(stream_id, StreamState::Publishing { key, clock });
        let code = status_code::PUBLISH_START;
        self.send_status(stream_id, StatusLevel::Status, code, "Publishing started.");
        for (track, timestamp, body) in early.items {
            self.handle_media_at(stream_id, timestamp, track, body);
        }
        Ok(())
    }

    /// Refuses a pending publish with NetStream.Publish.BadName.
    pub fn reject_publish(&mut self, stream_id: u32, description: &str) -> Result<(), UsageError> {
        self.take_pending(stream_id, |s| {
            matches!(s, StreamState::PublishPending { .. })
        })?;
        self.streams.insert(stream_id, StreamState::Idle);
        let code = status_code::PUBLISH_BAD_NAME;
        self.send_status(stream_id, StatusLevel::Error, code, description);
        Ok(())
    }

    /// Lets a pending play start: Stream Begin, NetStream.Play.Reset,
    /// NetStream.Play.Start and |RtmpSampleAccess. Media may follow at once.
    pub fn accept_play(&mut self, stream_id: u32) -> Result<(), UsageError> {
        self.take_pending(stream_id, |s| matches!(s, StreamState::PlayPending))?;
        self.streams.insert(stream_id, StreamState::Playing);
        let begin = Message::UserControl(UserControl::StreamBegin(stream_id));
        self.transport.send_control(&begin);
        let (reset, start) = (status_code::PLAY_RESET, status_code::PLAY_START);
        self.send_status(
            stream_id,
            StatusLevel::Status,
            reset,
            "Playing and resetting.",
        );
        self.send_status(stream_id, StatusLevel::Status, start, "Started playing.");
        let access = amf0::encode_all(&[
            amf0::Value::from("|RtmpSampleAccess"),
            amf0::Value::Boolean(true),
            amf0::Value::Boolean(true),
        ]);
        let data = Message::Other {
            type_id: crate::message::TYPE_DATA_AMF0,
            payload: access.into(),
        };
        self.transport.send(CSID_DATA, stream_id, 0, &data);
        Ok(())
    }

    /// Refuses a pending play with NetStream.Play.StreamNotFound.
    pub fn reject_play(&mut self, stream_id: u32, description: &str) -> Result<(), UsageError> {
        self.take_pending(stream_id, |s| matches!(s, StreamState::PlayPending))?;
        self.streams.insert(stream_id, StreamState::Idle);
        let code = status_code::PLAY_STREAM_NOT_FOUND;
        self.send_status(stream_id, StatusLevel::Error, code, description);
        Ok(())
    }

    /// The stream a player watches ended: Stream EOF and
    /// NetStream.Play.UnpublishNotify. The message stream becomes idle.
    pub fn end_play(&mut self, stream_id: u32) -> Result<(), UsageError> {
        self.take_pending(stream_id, |s| matches!(s, StreamState::Playing))?;
        self.streams.insert(stream_id, StreamState::Idle);
        let eof = Message::UserControl(UserControl::StreamEof(stream_id));
        self.transport.send_control(&eof);
        let code = status_code::PLAY_UNPUBLISH_NOTIFY;
        self.send_status(stream_id, StatusLevel::Status, code, "The stream ended.");
        Ok(())
    }

    /// Queues a frame for a player, encoded with [`encode_frame`] at the
    /// session's chunk size. A fan-out hub may write the same bytes itself.
    pub fn send_frame(&mut self, stream_id: u32, frame: &Frame) -> Result<(), UsageError> {
        if !matches!(self.streams.get(&stream_id), Some(StreamState::Playing)) {
            return Err(UsageError::WrongStreamState { stream_id });
        }
        match encode_frame(frame, stream_id, self.transport.out_chunk_size()) {
            Ok(bytes) => self.transport.push_transmit(bytes),
            Err(error) => tracing::warn!(stream_id, %error, "dropping a frame for a player"),
        }
        Ok(())
    }

    fn take_pending(
        &self,
        stream_id: u32,
        expected: impl Fn(&StreamState) -> bool,
    ) -> Result<(), UsageError> {
        if matches!(self.phase, super::Phase::Closed) {
            return Err(UsageError::Closed);
        }
        match self.streams.get(&stream_id) {
            Some(state) if expected(state) => Ok(()),
            _ => Err(UsageError::WrongStreamState { stream_id }),
        }
    }
}
