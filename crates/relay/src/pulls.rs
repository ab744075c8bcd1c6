//! Pulls from the owner: one per stream on this replica, started by the
//! first local viewer (or by a takeover elsewhere), following the owner,
//! stopped after the idle grace.
//!
//! Each pull has a task that ticks every `check_every` (the first tick at
//! once) and on each tick: drops the placeholder publisher once a pull has
//! taken the stream over; asks who owns the stream and, when that is a
//! live node other than the one pulled from, starts a pull from it into
//! the same local stream (it takes the stream over when it plays, and the
//! old pull then ends by itself); ends when no pull is left; and stops
//! after `pull_idle` with no local viewer.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hub::Publisher;
use live::{PullEnd, PullError, Puller};

use crate::{lock, unix_secs, Inner, Owner, RelayTask};

/// A running pull, as the relay's map holds it.
pub(crate) struct PullSlot {
    id: u64,
    /// The node pulled from now.
    pub(crate) source: Arc<Mutex<String>>,
    task: RelayTask,
}

impl PullSlot {
    pub(crate) fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// A viewer asks for `stream`, not live here: pull it if another node
/// owns it, or if nobody does yet (the pull's task then waits for an owner
/// as long as the viewer waits, so a viewer who comes early is served by
/// a publisher that starts on any replica).
pub(crate) async fn want(inner: &Arc<Inner>, stream: &str) {
    if lock(&inner.pulls)
        .get(stream)
        .is_some_and(|slot| !slot.is_finished())
    {
        return;
    }
    let owner = match inner.cluster.streams.holder(stream).await {
        Ok(holder) => holder.map(|h| h.lease.node),
        Err(e) => {
            tracing::warn!(stream, error = %e, "cannot ask who owns the stream");
            return;
        }
    };
    if owner.as_deref() != Some(inner.node()) {
        start(inner, stream, None);
    }
}

/// Starts the pull of `stream` unless one runs; `placeholder` holds the
/// local stream until the pull plays.
pub(crate) fn start(inner: &Arc<Inner>, stream: &str, placeholder: Option<Publisher>) {
    let mut pulls = lock(&inner.pulls);
    if pulls
        .get(stream)
        .is_some_and(|slot| !slot.task.is_finished())
    {
        return;
    }
    let id = inner.next_pull.fetch_add(1, Ordering::Relaxed);
    let source = Arc::new(Mutex::new(String::new()));
    let follower = Follower {
        inner: inner.clone(),
        stream: stream.to_owned(),
        source: source.clone(),
        current: None,
        previous: None,
        placeholder: placeholder.map(|p| (p, Instant::now())),
        idle_since: None,
        started: Instant::now(),
    };
    let task = RelayTask::spawn(follower.run(id));
    pulls.insert(stream.to_owned(), PullSlot { id, source, task });
}

/// The task of one stream's pull.
struct Follower {
    inner: Arc<Inner>,
    stream: String,
    source: Arc<Mutex<String>>,
    /// The pull feeding the stream now, and the node it pulls from.
    current: Option<(String, Puller)>,
    /// The pull it replaces, until the new one has taken the stream over.
    previous: Option<(String, Puller)>,
    placeholder: Option<(Publisher, Instant)>,
    idle_since: Option<Instant>,
    started: Instant,
}

impl Follower {
    async fn run(mut self, id: u64) {
        let mut tick = tokio::time::interval(self.inner.config.check_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.release_placeholder().await;
            self.follow_owner().await;
            if self.finished().await || self.idle() {
                break;
            }
        }
        let mut pulls = lock(&self.inner.pulls);
        if pulls.get(&self.stream).is_some_and(|slot| slot.id == id) {
            pulls.remove(&self.stream);
        }
    }

    /// Drops the placeholder once a pull took the stream over, or when
    /// none did in time (which ends the stream).
    async fn release_placeholder(&mut self) {
        let Some((placeholder, since)) = &mut self.placeholder else {
            return;
        };
        let replaced = tokio::time::timeout(Duration::ZERO, placeholder.replaced())
            .await
            .is_ok();
        if replaced || since.elapsed() > self.inner.config.viewer_wait {
            self.placeholder = None;
        }
    }

    /// Starts a pull from the owner when it is a live node other than the
    /// one pulled from.
    async fn follow_owner(&mut self) {
        let inner = &self.inner;
        let owner = match inner.cluster.streams.holder(&self.stream).await {
            Ok(Some(holder)) => holder.lease.node,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(stream = %self.stream, error = %e, "owner check failed");
                return;
            }
        };
        let pulled_from = self.current.as_ref().map(|(node, _)| node.as_str());
        if owner == inner.node() || pulled_from == Some(owner.as_str()) {
            return;
        }
        let node = match inner.owner_node(&owner).await {
            Ok(Owner::Live(node)) => node,
            Ok(Owner::Dead | Owner::Unsure) | Err(_) => return,
        };
        let url = format!(
            "rtmp://{}/{}/{}?{}",
            node.rtmp_addr,
            live::APP,
            self.stream,
            inner
                .signer
                .play_query(inner.node(), &self.stream, unix_secs())
        );
        let pull = live::pull(
            inner.hub.clone(),
            &url,
            &self.stream,
            inner.config.pull.clone(),
        );
        match pull {
            Ok(puller) => {
                tracing::info!(stream = %self.stream, owner, "pulling from the owner");
                inner.note_remote_owner(&self.stream, &owner);
                *lock(&self.source) = owner.clone();
                if let Some(old) = self.current.replace((owner, puller)) {
                    self.previous = Some(old);
                }
            }
            Err(e) => tracing::warn!(stream = %self.stream, "cannot pull: {e}"),
        }
    }

    /// Whether no pull is left (the stream ended here with it).
    async fn finished(&mut self) -> bool {
        if self.previous.as_ref().is_some_and(|(_, p)| p.is_finished()) {
            self.previous = None;
        }
        let Some((_, current)) = &self.current else {
            // No owner found yet: give up after the viewers' wait.
            return self.started.elapsed() > self.inner.config.viewer_wait;
        };
        if !current.is_finished() {
            return false;
        }
        let Some((node, current)) = self.current.take() else {
            return true;
        };
        let end = current.finished().await;
        tracing::info!(stream = %self.stream, node, ?end, "pull from the owner ended");
        if self.previous.is_none() && lost_owner(&end) {
            // The owner went away mid-stream (a crash, most likely): HLS
            // says so here at once, not when its record expires.
            tracing::warn!(stream = %self.stream, node, "the owner was lost: stream ended");
            self.inner.mark_ended(&self.stream);
        }
        match self.previous.take() {
            Some(previous) if !matches!(end, PullEnd::TakenOver) => {
                *lock(&self.source) = previous.0.clone();
                self.current = Some(previous);
                false
            }
            _ => true,
        }
    }

    /// Whether the stream has had no local viewer for the idle grace.
    fn idle(&mut self) -> bool {
        let viewers = self.inner.hub.viewers(&self.stream);
        if viewers != Some(0) {
            self.idle_since = None;
            return false;
        }
        let since = *self.idle_since.get_or_insert_with(Instant::now);
        let idle = since.elapsed() >= self.inner.config.pull_idle;
        if idle {
            tracing::info!(stream = %self.stream, "no local viewer: pull stopped");
        }
        idle
    }
}

/// Whether a pull ended because its owner vanished with the stream still
/// on (not because the stream ended, was taken over or refused us).
fn lost_owner(end: &PullEnd) -> bool {
    matches!(
        end,
        PullEnd::Failed(
            PullError::Closed | PullError::Io(_) | PullError::Idle(_) | PullError::Connect { .. }
        )
    )
}
