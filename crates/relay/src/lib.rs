//! Live streams across replicas: which replica owns a stream, how viewers
//! on the others watch it, and what happens when an owner dies.
//!
//! Layer: adapter, between the `live` engine and the `cluster` seams. It
//! implements [`live::Replicas`], which the live engine asks only when a
//! connection is set up; frames never pass through here.
//!
//! - Ownership ([`owner`]): a publish is accepted only once
//!   `cluster.streams.claim(stream, node, token)` grants the lease, the
//!   token being derived from the stream key, so the same key pushed to any
//!   replica takes its stream over. The lease is kept with a
//!   [`cluster::KeptLease`] for as long as the publisher publishes, and
//!   released (compare-and-delete) when it stops. When the keeper says
//!   `Fenced` (a takeover on another replica), the local stream is taken
//!   over at once, which cuts the local publisher, and then fed by a pull
//!   from the new owner, so local viewers stay attached.
//! - Pulls ([`pulls`]): a viewer asking for a stream that is not live here
//!   starts (or joins) one pull per stream from the owner's advertised RTMP
//!   address into the local hub, authenticated with a relay token. Each
//!   pull has a task that checks every second who owns the stream (a new
//!   owner: a new pull takes the same local stream over) and whether a
//!   local viewer is left (none for the idle grace: the pull stops).
//! - HLS ([`hls_proxy`]): a playlist or segment of a stream that is not
//!   here is fetched from the owner over HTTP/1.1, with a relay header in
//!   place of a play token, and cached (segments 60 s, playlists < 1 s);
//!   concurrent requests for the same uncached file share one fetch
//!   ([`flight`]).
//! - Dead owners ([`deaths`]): `cluster::spawn_death_watch` reports dead
//!   nodes; pulls from them stop (their viewers get a clean end) and their
//!   streams answer `stream_ended` on HLS for a minute — as long as no live
//!   node holds their lease: an ended mark is believed for a second, then
//!   the lease is read again on the next request, so a stream re-pushed
//!   elsewhere is served as soon as it has an owner.
//!
//! Drive loops: a task per kept lease (until lost or released), a task per
//! pull (a one-second check loop around `live::pull`), and one death-watch
//! task per process ([`Relay::spawn_death_watch`]).

mod cache;
mod deaths;
mod error;
mod flight;
mod hls_proxy;
mod owner;
mod pulls;
mod token;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use cluster::{Cluster, Liveness, NodeInfo, NodeState};
use hub::Hub;
use live::{BoxFuture, Ownership, Refusal, RemoteHls, Replicas};
use tokio::task::JoinHandle;

pub use cache::{HlsCache, PLAYLIST_TTL, SEGMENT_TTL};
pub use error::RelayError;
pub use token::Signer;

/// How long a stream whose owner died answers `stream_ended` while no
/// live node holds its lease.
const ENDED_FOR: Duration = Duration::from_secs(60);
/// How long an ended mark is believed without reading the lease again: a
/// stream re-pushed elsewhere is served again once this has passed.
const ENDED_CHECKED_FOR: Duration = Duration::from_secs(1);

/// What the relay needs to know about this replica.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// This node's id (as in `node:{id}` and the leases).
    pub node: String,
    /// The cluster's shared secret.
    pub secret: Vec<u8>,
    /// A pull with no local viewer for this long stops.
    pub pull_idle: Duration,
    /// How long a stream taken over for a pull may wait for it to play.
    pub viewer_wait: Duration,
    /// How often each pull checks its owner and its viewers.
    pub check_every: Duration,
    /// Time allowed for an HLS fetch from the owner.
    pub fetch_timeout: Duration,
    pub pull: live::PullConfig,
}

impl RelayConfig {
    pub fn new(node: impl Into<String>, secret: impl Into<Vec<u8>>) -> RelayConfig {
        RelayConfig {
            node: node.into(),
            secret: secret.into(),
            pull_idle: Duration::from_secs(300),
            viewer_wait: Duration::from_secs(10),
            check_every: Duration::from_secs(1),
            fetch_timeout: Duration::from_secs(5),
            pull: live::PullConfig::default(),
        }
    }
}

/// What this replica carries for the others, for its node record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayCounts {
    /// Streams whose publisher is here.
    pub owned: usize,
    /// Pulls from other replicas into this one.
    pub pulls: usize,
}

/// The cluster side of the live engine; see the crate documentation.
#[derive(Debug, Clone)]
pub struct Relay {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: RelayConfig,
    cluster: Cluster,
    hub: Hub,
    signer: Signer,
    pulls: Mutex<HashMap<String, pulls::PullSlot>>,
    next_pull: AtomicU64,
    owned: AtomicUsize,
    /// Streams known to come from another node, by the node's id.
    remote_owners: Mutex<HashMap<String, String>>,
    /// Streams seen ending with their owner.
    ended: Mutex<HashMap<String, Ended>>,
    /// Which nodes live, as of the last listing this relay took.
    liveness: Mutex<Liveness>,
    cache: Mutex<HlsCache>,
    /// HLS fetches from owners running now: one per file.
    flights: flight::Flights,
    http: hls_proxy::HttpClient,
}

impl Relay {
    /// The relay of this replica, feeding pulls into `hub`.
    pub fn new(config: RelayConfig, cluster: Cluster, hub: Hub) -> Result<Relay, RelayError> {
        let signer = Signer::new(&config.secret)?;
        let liveness = Liveness::for_node(config.node.clone(), cluster.config.timing.ttl);
        Ok(Relay {
            inner: Arc::new(Inner {
                config,
                cluster,
                hub,
                signer,
                pulls: Mutex::new(HashMap::new()),
                next_pull: AtomicU64::new(1),
                owned: AtomicUsize::new(0),
                remote_owners: Mutex::new(HashMap::new()),
                ended: Mutex::new(HashMap::new()),
                liveness: Mutex::new(liveness),
                cache: Mutex::new(HlsCache::new()),
                flights: flight::Flights::default(),
                http: hls_proxy::client(),
            }),
        })
    }

    /// Streams owned and pulls running, now.
    pub fn counts(&self) -> RelayCounts {
        RelayCounts {
            owned: self.inner.owned.load(Ordering::Relaxed),
            pulls: lock(&self.inner.pulls).len(),
        }
    }

    /// Whether the local stream `stream` is fed by a pull from its owner
    /// (rather than published here).
    pub fn is_pulled(&self, stream: &str) -> bool {
        lock(&self.inner.pulls)
            .get(stream)
            .is_some_and(|slot| !slot.is_finished())
    }

    /// Stops the pull of `stream` into this replica, if one runs (its
    /// local viewers then see the stream end); a later viewer or
    /// [`Replicas::want`] starts it again.
    pub fn stop_pull(&self, stream: &str) {
        let slot = lock(&self.inner.pulls).remove(stream);
        drop(slot);
    }

    /// Starts acting on dead nodes, polling the registry every `every`;
    /// stops when the returned task drops.
    pub fn spawn_death_watch(&self, every: Duration) -> RelayTask {
        RelayTask::spawn(deaths::watch(self.inner.clone(), every))
    }
}

impl Replicas for Relay {
    fn claim<'a>(
        &'a self,
        stream: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Ownership, Refusal>> {
        Box::pin(owner::claim(&self.inner, stream, key))
    }

    fn want<'a>(&'a self, stream: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(pulls::want(&self.inner, stream))
    }

    fn is_replica_play(&self, stream: &str, query: &str) -> bool {
        self.inner.signer.verify_play(stream, query, unix_secs())
    }

    fn is_replica_request(&self, stream: &str, header: &str) -> bool {
        self.inner.signer.verify_hls(stream, header, unix_secs())
    }

    fn is_ended(&self, stream: &str) -> bool {
        self.inner.is_ended(stream)
    }

    fn remote_hls<'a>(&'a self, stream: &'a str, file: &'a str) -> BoxFuture<'a, RemoteHls> {
        Box::pin(hls_proxy::fetch(&self.inner, stream, file))
    }
}

impl Inner {
    fn node(&self) -> &str {
        &self.config.node
    }

    /// The node `id` as a fresh listing of the registry shows it, judged
    /// by the cluster's one liveness rule (a listing without this node is
    /// not trusted to show another dead).
    async fn owner_node(&self, id: &str) -> Result<Owner, RelayError> {
        let nodes = self.cluster.nodes.live_nodes().await?;
        let state = {
            let mut liveness = lock(&self.liveness);
            let ids = nodes.iter().map(|n| n.id.clone());
            liveness.handle_listing(ids, Instant::now());
            liveness.state(id)
        };
        Ok(match state {
            NodeState::Alive => nodes
                .into_iter()
                .find(|n| n.id == id)
                .map_or(Owner::Unsure, Owner::Live),
            NodeState::Dead => Owner::Dead,
            NodeState::Unsure => Owner::Unsure,
        })
    }

    /// Whether `stream` ended, as the lease showed less than
    /// [`ENDED_CHECKED_FOR`] ago. A false answer sends the caller to
    /// [`Inner::still_ended`] through the lease.
    fn is_ended(&self, stream: &str) -> bool {
        let now = Instant::now();
        let mut ended = lock(&self.ended);
        ended.retain(|_, mark| now.duration_since(mark.since) < ENDED_FOR);
        ended
            .get(stream)
            .is_some_and(|mark| now.duration_since(mark.checked) < ENDED_CHECKED_FOR)
    }

    /// Whether `stream` ended lately, the lease having just shown no live
    /// holder: the mark is confirmed for another [`ENDED_CHECKED_FOR`].
    fn still_ended(&self, stream: &str) -> bool {
        let now = Instant::now();
        let mut ended = lock(&self.ended);
        ended.retain(|_, mark| now.duration_since(mark.since) < ENDED_FOR);
        let Some(mark) = ended.get_mut(stream) else {
            return false;
        };
        mark.checked = now;
        true
    }

    fn mark_ended(&self, stream: &str) {
        let now = Instant::now();
        let mark = Ended {
            since: now,
            checked: now,
        };
        lock(&self.ended).insert(stream.to_owned(), mark);
        lock(&self.cache).forget(stream);
    }

    fn forget_ended(&self, stream: &str) {
        lock(&self.ended).remove(stream);
    }

    fn note_remote_owner(&self, stream: &str, node: &str) {
        lock(&self.remote_owners).insert(stream.to_owned(), node.to_owned());
    }
}

/// A stream's owner, as the registry shows it.
enum Owner {
    Live(NodeInfo),
    /// Its record expired: it died or left.
    Dead,
    /// Not listed, but the registry may have lost records (see
    /// [`cluster::Liveness`]).
    Unsure,
}

/// A stream seen ending: since when, and when the lease last confirmed
/// that no live node holds it.
#[derive(Debug, Clone, Copy)]
struct Ended {
    since: Instant,
    checked: Instant,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("node", &self.config.node)
            .finish()
    }
}

/// A background task of the relay, stopped when dropped.
#[derive(Debug)]
pub struct RelayTask(JoinHandle<()>);

impl RelayTask {
    fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) -> RelayTask {
        RelayTask(tokio::spawn(task))
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Drop for RelayTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a single map operation: a panic elsewhere
    // cannot leave the map half-updated.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn unix_secs() -> u64 {
    cluster::unix_ms() / 1000
}
