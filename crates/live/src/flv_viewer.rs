//! An HTTP-FLV viewer, whichever way its bytes leave: admission (play
//! token, the hold while the publisher is awaited, the cluster pull) and
//! the play loop, shared by the raw socket path (`flv_http`) and the
//! response body path (`flv_body`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use hub::{HubError, Subscription, SubscriptionEnd};

use crate::viewer::{Exit, Output, Viewer, Wake};
use crate::viewer_hook::PlayRefusal;
use crate::viewer_sink::ViewerSink;
use crate::writer::PumpEnd;
use crate::Live;

/// Why an HTTP-FLV viewer is not served.
#[derive(Debug, thiserror::Error)]
pub enum FlvRefusal {
    /// The stream is private and the request carries no valid play token.
    #[error("this stream needs a valid play token")]
    PlayTokenRequired,
    /// The layer above refuses this viewer here (e.g. a play token bound
    /// to another replica's stage).
    #[error("{}", .0.message)]
    Refused(PlayRefusal),
    /// Nobody published the stream within the viewer hold.
    #[error(transparent)]
    NotLive(#[from] HubError),
}

/// Checks the play token and subscribes, holding the viewer up to
/// `viewer_wait` for a publisher; in a cluster, a stream another replica
/// owns is pulled here first.
pub(crate) async fn admit(
    live: &Live,
    stream: &str,
    token: Option<&str>,
) -> Result<Subscription, FlvRefusal> {
    if !live.keys.may_play(stream, token).await {
        return Err(FlvRefusal::PlayTokenRequired);
    }
    live.admit_viewer(stream, token)
        .await
        .map_err(FlvRefusal::Refused)?;
    if let Some(replicas) = live.replicas() {
        if !live.hub.is_live(stream) {
            replicas.want(stream).await;
        }
    }
    Ok(live.hub.subscribe(stream, live.config.viewer_wait).await?)
}

/// The FLV file header (and the first previous-tag size) every body
/// starts with.
pub(crate) fn file_header() -> Bytes {
    let header = flv::FlvHeader {
        audio: true,
        video: true,
    };
    header.encode()
}

/// Plays the stream as FLV tags into `sink` until the subscription ends,
/// a write fails or `wake` completes (the server stops, or the reader
/// went away).
pub(crate) async fn pump<S, W>(
    sub: Subscription,
    sink: &S,
    timeout: Duration,
    wake: Pin<&mut W>,
) -> PumpEnd
where
    S: ViewerSink,
    W: Future<Output = io::Result<Wake>>,
{
    let encode = |p: &hub::Packet| p.flv_tag().clone();
    let mut out = Vec::new();
    let output = Output {
        sink,
        out: &mut out,
        timeout,
    };
    match Viewer::new(sub).play(output, encode, wake).await {
        Ok(Exit::Ended(end)) => PumpEnd::Subscription(end),
        Ok(Exit::Woken(Wake::Shutdown)) => PumpEnd::Shutdown,
        // An HTTP-FLV viewer sends nothing once it plays.
        Ok(Exit::Woken(Wake::Readable)) => PumpEnd::Subscription(SubscriptionEnd::StreamEnded),
        Err(end) => end,
    }
}
