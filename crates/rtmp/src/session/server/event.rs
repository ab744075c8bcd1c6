use media::Frame;

/// What a [`super::ServerSession`] reports to the application.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    /// The client connected to `app` (already answered).
    Connect { app: String, tc_url: Option<String> },
    /// The client wants to publish; answer with `accept_publish` or
    /// `reject_publish`.
    PublishRequested {
        stream_id: u32,
        app: String,
        /// The publishing name without its `?query`.
        stream_key: String,
        /// What followed `?`, empty if nothing.
        query: String,
    },
    /// The client wants to play; answer with `accept_play` or `reject_play`.
    PlayRequested {
        stream_id: u32,
        app: String,
        /// The stream name without its `?query`.
        stream_name: String,
        query: String,
    },
    /// A frame from an accepted publisher: audio, video, or metadata
    /// (`onMetaData` body, [`media::Track::Data`]).
    Frame { stream_id: u32, frame: Frame },
    /// A publish (accepted or still pending) ended: FCUnpublish,
    /// closeStream, deleteStream or the connection closing.
    Unpublished { stream_id: u32 },
    /// A play (accepted or still pending) ended the same ways.
    PlayStopped { stream_id: u32 },
}
