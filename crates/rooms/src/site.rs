//! What one replica tells every other about the whole site, not one room:
//! a site ban, so the banned user's room connections close on every
//! replica, not only on the one whose admin route took the ban.
//!
//! Each replica keeps an inbox of its own (`site~to~{node}`, a command
//! queue under a lease with its node id as token, like a follower's inbox
//! for a room) and reads it for as long as the process runs. A ban is
//! forwarded to the inbox of every live node; an entry is acked once done,
//! so one that arrives while a replica's link is down waits for it.

use std::time::Duration;

use cluster::{Claim, KeptLease};
use room::UserId;
use serde::{Deserialize, Serialize};

use crate::registry::Rooms;
use crate::replicas::Replicas;

/// How long the reader waits for entries per call.
const READ_WAIT: Duration = Duration::from_secs(2);
/// The pause after a failed claim, read or forward.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// A message for every replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ToSite {
    /// The user was banned from the site: close their connections here.
    Expel { user: u64 },
}

/// The site inbox of `node`.
fn inbox_of(node: &str) -> String {
    format!("site~to~{node}")
}

/// Tells every other live replica; each delivery is retried for the link's
/// retry time, after which the ban holds at their next join anyway.
pub(crate) async fn tell_others(replicas: &Replicas, message: &ToSite) {
    let cluster = &replicas.cluster;
    let nodes = match cluster.nodes.live_nodes().await {
        Ok(nodes) => nodes,
        Err(e) => {
            tracing::warn!("site message not sent to the other replicas: {e}");
            return;
        }
    };
    let payload = bytes::Bytes::from(serde_json::to_vec(message).unwrap_or_default());
    let id = format!(
        "{}:{}:{}",
        replicas.node,
        replicas.incarnation,
        crate::clock::now_ms()
    );
    for node in nodes.iter().filter(|n| n.id != replicas.node) {
        let inbox = inbox_of(&node.id);
        if let Err(e) = cluster.commands.forward(&inbox, &id, payload.clone()).await {
            tracing::warn!(node = node.id, "site message not delivered: {e}");
        }
    }
}

/// Reads this replica's site inbox for as long as the process runs.
pub(crate) async fn run_inbox(rooms: Rooms, replicas: Replicas) {
    let cluster = &replicas.cluster;
    let inbox = inbox_of(&replicas.node);
    loop {
        let lease = match cluster
            .room_writers
            .claim(&inbox, &replicas.node, &replicas.node)
            .await
        {
            Ok(Claim::Granted(lease)) => lease,
            Ok(Claim::Held(_)) | Err(_) => {
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        let timing = cluster.config.timing;
        let mut kept = KeptLease::spawn(cluster.room_writers.clone(), lease.clone(), timing);
        tokio::select! {
            why = kept.lost() => tracing::info!(?why, "site inbox lease lost: claimed again"),
            () = read(&rooms, &replicas, &lease) => return,
        }
    }
}

/// Applies the inbox's entries, in order; returns if reading is impossible.
async fn read(rooms: &Rooms, replicas: &Replicas, lease: &cluster::Lease) {
    let cluster = &replicas.cluster;
    let Ok(mut reader) = cluster.commands.reader() else {
        return;
    };
    reader.follow(&lease.resource);
    loop {
        let entries = match reader.next(READ_WAIT).await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!("reading the site inbox failed: {e}");
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        for entry in entries {
            match serde_json::from_slice::<ToSite>(&entry.payload) {
                Ok(ToSite::Expel { user }) => rooms.expel_here(UserId(user)).await,
                Err(e) => tracing::warn!("malformed site message skipped: {e}"),
            }
            if let Err(e) = cluster.commands.ack(lease, &entry.id).await {
                tracing::debug!("site message not acked: {e}");
            }
        }
    }
}
