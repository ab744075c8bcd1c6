//! What a room's writer learns from the cluster every 2 s, in one task:
//! which nodes live (members of dead replicas leave), whether the room's
//! stream is live (its lease, `stream:{room}`, held by a live node) and
//! how many watch it (the cluster's [`crate::Audience`], told on change). Both are judged by one [`Liveness`] of this node, fed by each
//! node listing: a node counts as dead only in a listing that can be
//! trusted, and while none can (Redis lost its records, or the link
//! failed) nothing changes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cluster::{Cluster, Liveness, NodeState};
use tokio::sync::mpsc;

use crate::actor::ToRoom;
use crate::replicas::Replicas;

/// How often the writer looks at the cluster.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Watches the cluster for the writer of `room` until its actor is gone.
pub(crate) async fn watch_cluster(replicas: Replicas, room: String, inbox: mpsc::Sender<ToRoom>) {
    let cluster = &replicas.cluster;
    let mut liveness = Liveness::for_node(replicas.node.clone(), cluster.config.timing.ttl);
    let mut was_live: Option<bool> = None;
    let mut told_viewers: Option<u64> = None;
    loop {
        let listed = list_nodes(cluster, &mut liveness).await;
        if let Some(live) = stream_live(cluster, &room, &liveness).await {
            if was_live != Some(live) && inbox.send(live_news(live)).await.is_err() {
                return;
            }
            was_live = Some(live);
        }
        if let Some(viewers) = audience(&replicas, &room).await {
            if told_viewers != Some(viewers) && inbox.send(viewer_news(viewers)).await.is_err() {
                return;
            }
            told_viewers = Some(viewers);
        }
        if listed && liveness.is_trusted() {
            let nodes = ToRoom::Nodes(Arc::new(liveness.clone()));
            if inbox.send(nodes).await.is_err() {
                return;
            }
        }
        if inbox.is_closed() {
            return;
        }
        tokio::time::sleep(WATCH_EVERY).await;
    }
}

/// Feeds `liveness` the live nodes now; false when the listing failed.
pub(crate) async fn list_nodes(cluster: &Cluster, liveness: &mut Liveness) -> bool {
    let now = Instant::now();
    match cluster.nodes.live_nodes().await {
        Ok(nodes) => {
            liveness.handle_listing(nodes.into_iter().map(|n| n.id), now);
            true
        }
        Err(_) => {
            liveness.handle_failed_listing(now);
            false
        }
    }
}

/// Whether the room's stream is live: its lease held by a node that is
/// alive. `None` when that cannot be told now (the lease's node is
/// `Unsure`, a missing lease while listings are not trusted, or Redis
/// did not answer): the room keeps what it knows.
async fn stream_live(cluster: &Cluster, room: &str, liveness: &Liveness) -> Option<bool> {
    match cluster.streams.holder(room).await {
        Ok(Some(info)) => match liveness.state(&info.lease.node) {
            NodeState::Alive => Some(true),
            NodeState::Dead => Some(false),
            NodeState::Unsure => None,
        },
        Ok(None) => liveness.is_trusted().then_some(false),
        Err(_) => None,
    }
}

/// The room's viewers across the cluster, if an audience is wired and
/// answers.
async fn audience(replicas: &Replicas, room: &str) -> Option<u64> {
    let audience = replicas.audience.get()?;
    audience.viewers(room).await
}

fn viewer_news(viewers: u64) -> ToRoom {
    ToRoom::Apply {
        actor: room::Actor::System,
        command: room::ViewerCount { viewers }.into(),
        then: Box::new(|_, _| ()),
    }
}

fn live_news(live: bool) -> ToRoom {
    let command: room::RoomCommand = if live {
        room::LiveStarted.into()
    } else {
        room::LiveEnded.into()
    };
    ToRoom::Apply {
        actor: room::Actor::System,
        command,
        then: Box::new(|_, _| ()),
    }
}
