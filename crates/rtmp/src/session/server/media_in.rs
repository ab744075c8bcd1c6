//! Audio, video and metadata from a publisher.

use bytes::Bytes;
use media::{Frame, Track};

use super::{ServerEvent, ServerSession, StreamState};
use crate::chunk::MessageHeader;
use crate::message::DataMessage;

/// Most bytes of media kept for a publish the application has not decided on.
const MAX_EARLY_BYTES: usize = 2 * 1024 * 1024;

/// Media that arrived between `publish` and the application's decision.
/// Encoders normally wait for NetStream.Publish.Start, so this is small.
#[derive(Debug, Default)]
pub(super) struct EarlyMedia {
    pub(super) items: Vec<(Track, u32, Bytes)>,
    bytes: usize,
}

impl ServerSession {
    pub(super) fn handle_media(&mut self, header: MessageHeader, track: Track, body: Bytes) {
        self.handle_media_at(header.stream_id, header.timestamp, track, body);
    }

    pub(super) fn handle_media_at(
        &mut self,
        stream_id: u32,
        timestamp: u32,
        track: Track,
        body: Bytes,
    ) {
        let clock = match self.streams.get_mut(&stream_id) {
            Some(StreamState::Publishing { clock, .. }) => clock,
            Some(StreamState::PublishPending { early, .. }) => {
                if early.bytes + body.len() > MAX_EARLY_BYTES {
                    tracing::debug!(stream_id, "dropping media sent before Publish.Start");
                    return;
                }
                early.bytes += body.len();
                early.items.push((track, timestamp, body));
                return;
            }
            _ => {
                tracing::debug!(stream_id, "media on a stream that is not publishing");
                return;
            }
        };
        let dts = clock.unwrap(timestamp);
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
