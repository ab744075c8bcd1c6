//! Audio, video and metadata from a publisher.

use bytes::Bytes;
use media::{Frame, Track};

use super::{ServerEvent, ServerSession, StreamState};
use crate::chunk::MessageHeader;
use crate::message::DataMessage;

impl ServerSession {
    pub(super) fn handle_media(&mut self, header: MessageHeader, track: Track, body: Bytes) {
        let stream_id = header.stream_id;
        let Some(StreamState::Publishing { clock, .. }) = self.streams.get_mut(&stream_id) else {
            tracing::debug!(stream_id, "media on a stream that is not publishing");
            return;
        };
        let dts = clock.unwrap(header.timestamp);
        match Frame::parse(track, dts, body) {
            Ok(frame) => self
                .events
                .push_back(ServerEvent::Frame { stream_id, frame }),
            Err(error) => tracing::warn!(stream_id, %error, "dropping a frame"),
        }
    }

    pub(super) fn handle_data(&mut self, header: MessageHeader, data: DataMessage) {
        if data.name != "onMetaData" {
            tracing::debug!(name = %data.name, "ignoring a data message");
            return;
        }
        self.handle_media(header, Track::Data, data.body);
    }
}
