use media::Frame;

use crate::command::StatusLevel;

/// What a [`super::ClientSession`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The server accepted connect.
    Connected,
    /// NetStream.Publish.Start: frames may be sent.
    PublishStarted { stream_id: u32 },
    /// NetStream.Play.Start: frames will follow.
    PlayStarted { stream_id: u32 },
    /// A frame of the played stream (metadata as [`media::Track::Data`]).
    Frame(Frame),
    /// Every onStatus the server sent, as is.
    Status {
        level: StatusLevel,
        code: String,
        description: String,
    },
    /// The server refused connect, createStream, publish or play.
    Rejected { code: String, description: String },
    /// The played stream ended (Stream EOF or UnpublishNotify).
    StreamEnded,
}
