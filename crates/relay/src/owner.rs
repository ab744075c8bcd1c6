//! Stream ownership: claim before a publish is accepted, keep the lease
//! while it publishes, release it when it stops, and give the stream up
//! to a takeover elsewhere.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use cluster::{Claim, KeptLease, Lease, LeaseLost};
use live::{Ownership, Refusal};

use crate::{Inner, RelayTask};

/// Claims `stream` for the publisher whose key is `key`.
pub(crate) async fn claim(
    inner: &Arc<Inner>,
    stream: &str,
    key: &str,
) -> Result<Ownership, Refusal> {
    let token = inner.signer.publisher_token(stream, key);
    let claimed = inner
        .cluster
        .streams
        .claim(stream, inner.node(), &token)
        .await;
    let lease = match claimed {
        Ok(Claim::Granted(lease)) => lease,
        Ok(Claim::Held(info)) => {
            return Err(Refusal::Held {
                node: info.lease.node,
            })
        }
        Err(e) => {
            tracing::warn!(stream, error = %e, "cannot claim the stream");
            return Err(Refusal::Unavailable);
        }
    };
    tracing::info!(stream, epoch = lease.epoch, "stream claimed");
    inner.forget_ended(stream);
    let timing = inner.cluster.config.timing;
    let kept = KeptLease::spawn(inner.cluster.streams.clone(), lease.clone(), timing);
    inner.owned.fetch_add(1, Ordering::Relaxed);
    Ok(Ownership::new(Owned {
        inner: inner.clone(),
        lease,
        _keeper: RelayTask::spawn(keep(inner.clone(), kept)),
    }))
}

/// A claimed stream, held by its publisher's connection.
struct Owned {
    inner: Arc<Inner>,
    lease: Lease,
    _keeper: RelayTask,
}

impl Drop for Owned {
    /// The publisher stopped (or was cut): compare-and-delete the lease,
    /// which does nothing if a takeover holds it now.
    fn drop(&mut self) {
        self.inner.owned.fetch_sub(1, Ordering::Relaxed);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let leases = self.inner.cluster.streams.clone();
        let lease = self.lease.clone();
        runtime.spawn(async move {
            match leases.release(&lease).await {
                Ok(true) => tracing::info!(stream = %lease.resource, epoch = lease.epoch, "stream released"),
                Ok(false) => {}
                Err(e) => tracing::warn!(stream = %lease.resource, error = %e, "cannot release the stream; it expires"),
            }
        });
    }
}

/// Waits until the lease is lost, then hands the stream over on a task of
/// its own (cutting the publisher drops this one).
async fn keep(inner: Arc<Inner>, mut kept: KeptLease) {
    let why = kept.lost().await;
    let stream = kept.lease().resource.clone();
    drop(kept);
    tokio::spawn(give_up(inner, stream, why));
}

/// Takes the local stream over at once, which cuts the local publisher
/// while its viewers stay attached; after a takeover elsewhere, a pull from
/// the new owner then feeds them. A lease that expired (no renewal reached
/// the store) just ends the stream.
async fn give_up(inner: Arc<Inner>, stream: String, why: LeaseLost) {
    if !inner.hub.is_live(&stream) {
        return;
    }
    if let Ok(Some(holder)) = inner.cluster.streams.holder(&stream).await {
        if holder.lease.node == inner.node() {
            // The same publisher reconnected here: its new connection
            // takes the stream over by itself.
            return;
        }
    }
    tracing::info!(
        stream,
        ?why,
        "stream lost to another replica: publisher cut"
    );
    let placeholder = inner.hub.publish(&stream).await;
    match why {
        LeaseLost::Fenced => crate::pulls::start(&inner, &stream, Some(placeholder)),
        LeaseLost::Expired => drop(placeholder),
    }
}
