//! Pulling a remote RTMP stream into the local hub.
//!
//! A pull plays `rtmp://host:port/app/stream` with the sans-IO
//! [`rtmp::ClientSession`] and publishes every frame it receives (metadata,
//! sequence headers and media, timestamps as they came) into the local
//! [`Hub`] under a local name, so that local viewers are served by the
//! local GOP cache and fan-out. It runs until the remote stream ends, a
//! local publisher takes the local stream over, it is stopped, or it
//! fails, and says which ([`PullEnd`]). Its play request carries
//! [`RELAY_PARAM`], so the remote serves it without counting it as a
//! viewer.

mod task;
mod url;

use std::io;
use std::time::Duration;

use hub::Hub;
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use url::{is_relay, RELAY_PARAM};

use url::RemoteStream;

/// Tuning of a pull.
#[derive(Debug, Clone)]
pub struct PullConfig {
    /// Time allowed to open the TCP connection.
    pub connect_timeout: Duration,
    /// A remote that sends nothing for this long (before the play starts,
    /// too) has failed.
    pub idle_timeout: Duration,
    /// Largest RTMP message taken from the remote.
    pub max_message_bytes: u32,
}

impl Default for PullConfig {
    fn default() -> PullConfig {
        PullConfig {
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(15),
            max_message_bytes: 8 * 1024 * 1024,
        }
    }
}

/// Why a pull ended.
#[derive(Debug)]
pub enum PullEnd {
    /// The remote stream ended (its publisher left).
    RemoteEnded,
    /// A local publisher took the local stream over.
    TakenOver,
    /// [`Puller::stop`] was called, or the [`Puller`] dropped.
    Stopped,
    Failed(PullError),
}

/// What went wrong with a pull.
#[derive(Debug, Error)]
pub enum PullError {
    #[error("bad pull URL {url}: {reason}")]
    Url { url: String, reason: &'static str },
    #[error("cannot connect to {authority}: {source}")]
    Connect {
        authority: String,
        #[source]
        source: io::Error,
    },
    #[error("connection to the remote failed: {0}")]
    Io(#[from] io::Error),
    /// The remote sent bytes that do not make an RTMP session.
    #[error("remote broke the RTMP session: {0}")]
    Session(#[from] rtmp::SessionError),
    /// The remote refused connect, createStream or play.
    #[error("remote refused: {code} ({description})")]
    Rejected { code: String, description: String },
    /// The remote closed the connection with the stream still on.
    #[error("remote closed the connection")]
    Closed,
    #[error("remote sent nothing for {0:?}")]
    Idle(Duration),
    /// The local stream ended under the pull (its actor is gone).
    #[error("local stream {name} ended")]
    LocalEnded { name: String },
    /// The pull's task stopped abnormally.
    #[error("pull task aborted")]
    Aborted,
}

/// A running pull; dropping it stops the pull.
#[derive(Debug)]
pub struct Puller {
    stop: watch::Sender<bool>,
    task: JoinHandle<PullEnd>,
}

/// Starts pulling `url` (`rtmp://host[:port]/app/stream[?query]`; the
/// query, a token for one, goes to the remote as is) into `hub` as stream
/// `local`. The local stream starts once the remote starts playing; it
/// takes over a local publisher of that name, if there is one. Must be
/// called inside a tokio runtime.
pub fn pull(hub: Hub, url: &str, local: &str, config: PullConfig) -> Result<Puller, PullError> {
    let remote = RemoteStream::parse(url)?;
    let (stop, stopped) = watch::channel(false);
    let task = task::Pull::new(hub, remote, local.to_owned(), config, stopped);
    Ok(Puller {
        stop,
        task: tokio::spawn(task.run()),
    })
}

impl Puller {
    /// Asks the pull to stop: it tells the remote, ends the local stream,
    /// and ends with [`PullEnd::Stopped`].
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Whether the pull has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the pull to end, and says why.
    pub async fn finished(mut self) -> PullEnd {
        match (&mut self.task).await {
            Ok(end) => end,
            Err(_) => PullEnd::Failed(PullError::Aborted),
        }
    }
}

impl Drop for Puller {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
