//! The follower's links to Redis: its inbox lease, the ordered forwards to
//! the writer, and the readers of the room's bus and of its inbox.

use std::time::{Duration, Instant};

use cluster::{BusReader, CommandReader, Lease};
use tokio::sync::mpsc;

use crate::follower::FromCluster;
use crate::relay::{ToConn, ToWriter};
use crate::replicas::{inbox_of, Replicas};

/// How long a reader waits for items per call.
const READ_WAIT: Duration = Duration::from_secs(2);
/// The pause after a failed read or forward.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// This node's inbox lease for a room (same token: always granted).
pub(crate) async fn claim_inbox(
    replicas: &Replicas,
    room: &str,
) -> Result<Lease, cluster::ClusterError> {
    let inbox = inbox_of(room, &replicas.node);
    let node = &replicas.node;
    match replicas
        .cluster
        .room_writers
        .claim(&inbox, node, node)
        .await?
    {
        cluster::Claim::Granted(lease) => Ok(lease),
        cluster::Claim::Held(info) => Err(cluster::ClusterError::Fenced {
            resource: inbox,
            epoch: info.lease.epoch,
        }),
    }
}

/// Forwards to the writer in order, each retried until it is queued.
pub(crate) async fn run_forwards(
    replicas: Replicas,
    room: String,
    mut rx: mpsc::Receiver<(String, ToWriter)>,
) {
    let metrics = replicas.cluster.metrics.clone();
    while let Some((request_id, message)) = rx.recv().await {
        let payload = message.encode();
        let counted = matches!(message, ToWriter::Command { .. } | ToWriter::Apply { .. });
        loop {
            let queue = &replicas.cluster.commands;
            match queue.forward(&room, &request_id, payload.clone()).await {
                Ok(_) => {
                    if counted {
                        metrics.forwarded_commands.add(1);
                    }
                    break;
                }
                Err(e) => {
                    tracing::warn!(room, "forward to the room writer failed, retrying: {e}");
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
            }
        }
    }
}

/// Whether this process's link to Redis failed lately, from the count of
/// failed Redis calls ([`cluster::ClusterMetrics::redis_errors`]) looked
/// at on every check.
#[derive(Debug, Default)]
pub(crate) struct LinkTrouble {
    errors: u64,
    last: Option<Instant>,
}

impl LinkTrouble {
    /// Notes the failure count now.
    pub(crate) fn look(&mut self, errors: u64) {
        if errors != self.errors {
            self.errors = errors;
            self.last = Some(Instant::now());
        }
    }

    /// Whether a failure was seen within `span`.
    pub(crate) fn within(&self, span: Duration) -> bool {
        self.last.is_some_and(|at| at.elapsed() <= span)
    }
}

pub(crate) async fn read_bus(
    mut reader: Box<dyn BusReader>,
    room: String,
    tx: mpsc::Sender<FromCluster>,
) {
    reader.follow(&room, 0);
    loop {
        match reader.next(READ_WAIT).await {
            Ok(items) if items.is_empty() => {}
            Ok(items) => {
                if tx.send(FromCluster::Bus(items)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(room, "reading room events failed: {e}");
                tokio::time::sleep(RETRY_PAUSE).await;
            }
        }
        if tx.is_closed() {
            return;
        }
    }
}

/// Hands the writer's answers to the follower, then acks them.
pub(crate) async fn read_answers(
    replicas: Replicas,
    mut reader: Box<dyn CommandReader>,
    lease: Lease,
    tx: mpsc::Sender<FromCluster>,
) {
    reader.follow(&lease.resource);
    loop {
        let entries = match reader.next(READ_WAIT).await {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(inbox = lease.resource, "reading answers failed: {e}");
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
        };
        for entry in entries {
            if let Some(answer) = ToConn::decode(&entry.payload) {
                if tx.send(FromCluster::Answer(answer)).await.is_err() {
                    return;
                }
            }
            if let Err(e) = replicas.cluster.commands.ack(&lease, &entry.id).await {
                tracing::debug!(inbox = lease.resource, "answer not acked: {e}");
            }
        }
        if tx.is_closed() {
            return;
        }
    }
}
