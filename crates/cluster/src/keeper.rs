//! Keeping a lease: renew it every few seconds, check every second that no
//! other node took it, and say so at once when it is lost.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::clock::TaskGuard;
use crate::config::Timing;
use crate::error::ClusterError;
use crate::lease::Lease;
use crate::leases::Leases;

/// Why a kept lease ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseLost {
    /// Another claim (a takeover) holds a later epoch.
    Fenced,
    /// No renewal reached the store for a whole TTL: another node may hold it now.
    Expired,
}

/// What the keeper does on a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeeperAction {
    /// Refresh the lease's TTL.
    Renew,
    /// Only check the lease is still ours.
    Check,
    /// Give up: the lease, or the record of the node holding it, may be
    /// gone by the next check.
    Expire,
}

/// The keeper's schedule, with time as a parameter.
///
/// A claim succeeds once the lease expired or once its holder's node record
/// is gone, whichever comes first. So the keeper's deadline is the earlier
/// of (last renewal + TTL) and the node record's earliest expiry, less one
/// check period: the holder stops before anyone else can start.
#[derive(Debug, Clone)]
pub struct KeeperState {
    timing: Timing,
    last_renewed: Instant,
    node_expires: Option<Instant>,
}

impl KeeperState {
    /// A schedule for a lease granted or renewed at `now`.
    pub fn new(timing: Timing, now: Instant) -> Self {
        Self {
            timing,
            last_renewed: now,
            node_expires: None,
        }
    }

    /// What to do at a tick at `now`.
    pub fn poll_action(&self, now: Instant) -> KeeperAction {
        if now >= self.deadline() {
            KeeperAction::Expire
        } else if now.saturating_duration_since(self.last_renewed) >= self.timing.refresh_every {
            KeeperAction::Renew
        } else {
            KeeperAction::Check
        }
    }

    /// When the holder must have stopped: one check period before the lease
    /// or its node's record can expire.
    pub fn deadline(&self) -> Instant {
        let lease = self.last_renewed + self.timing.ttl;
        let end = self.node_expires.map_or(lease, |node| node.min(lease));
        end.checked_sub(self.timing.check_every).unwrap_or(end)
    }

    /// A renewal reached the store at `now`.
    pub fn handle_renewed(&mut self, now: Instant) {
        self.last_renewed = now;
    }

    /// The holder's node record lives at least until `expires` (see
    /// [`crate::NodeExpiry`]); `None` when that is not known here.
    pub fn handle_node_expiry(&mut self, expires: Option<Instant>) {
        if expires.is_some() {
            self.node_expires = expires;
        }
    }
}

/// A lease being kept in the background; dropping it stops the keeping (the
/// lease then expires after its TTL unless released).
#[derive(Debug)]
pub struct KeptLease {
    lease: Lease,
    lost: watch::Receiver<Option<LeaseLost>>,
    _task: TaskGuard,
}

impl KeptLease {
    /// Starts keeping `lease` with `timing`.
    pub fn spawn(leases: Arc<dyn Leases>, lease: Lease, timing: Timing) -> Self {
        let (tx, lost) = watch::channel(None);
        let task = tokio::spawn(keep(leases, lease.clone(), timing, tx));
        Self {
            lease,
            lost,
            _task: TaskGuard::new(task),
        }
    }

    /// The lease kept.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// Waits until the lease is lost and says why.
    pub async fn lost(&mut self) -> LeaseLost {
        loop {
            if let Some(why) = self.lost.borrow_and_update().clone() {
                return why;
            }
            if self.lost.changed().await.is_err() {
                return LeaseLost::Expired;
            }
        }
    }
}

async fn keep(
    leases: Arc<dyn Leases>,
    lease: Lease,
    timing: Timing,
    tx: watch::Sender<Option<LeaseLost>>,
) {
    let mut state = KeeperState::new(timing, Instant::now());
    let mut next_check = Instant::now();
    loop {
        // Wake for the next check, or at the deadline if that comes first.
        state.handle_node_expiry(leases.node_expiry(&lease.node));
        tokio::time::sleep_until(next_check.min(state.deadline())).await;
        state.handle_node_expiry(leases.node_expiry(&lease.node));
        let now = Instant::now();
        next_check = now + timing.check_every;
        // A call still hanging when the lease would have expired counts as a miss.
        let deadline = state.deadline();
        let step = async {
            match state.poll_action(now) {
                KeeperAction::Expire => Err(LeaseLost::Expired),
                KeeperAction::Renew => renew(&*leases, &lease, &mut state, now).await,
                KeeperAction::Check => check(&*leases, &lease).await,
            }
        };
        let outcome = tokio::time::timeout_at(deadline, step)
            .await
            .unwrap_or(Err(LeaseLost::Expired));
        if let Err(why) = outcome {
            tracing::info!(resource = %lease.resource, epoch = lease.epoch, ?why, "lease lost");
            let _ = tx.send(Some(why));
            return;
        }
    }
}

async fn renew(
    leases: &dyn Leases,
    lease: &Lease,
    state: &mut KeeperState,
    now: Instant,
) -> Result<(), LeaseLost> {
    match leases.renew(lease).await {
        Ok(()) => {
            state.handle_renewed(now);
            Ok(())
        }
        Err(ClusterError::Fenced { .. }) => Err(LeaseLost::Fenced),
        Err(e) => {
            tracing::warn!(resource = %lease.resource, error = %e, "lease renewal failed");
            Ok(())
        }
    }
}

async fn check(leases: &dyn Leases, lease: &Lease) -> Result<(), LeaseLost> {
    match leases.holder(&lease.resource).await {
        Ok(Some(info)) if info.lease.epoch != lease.epoch || info.lease.node != lease.node => {
            Err(LeaseLost::Fenced)
        }
        // Vanished or unreachable: the next renewal re-creates it or fails.
        Ok(_) | Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn keeper_checks_then_renews_then_expires_a_check_before_the_ttl() {
        let start = Instant::now();
        let state = KeeperState::new(Timing::default(), start);
        let at = |s| start + Duration::from_secs(s);
        assert_eq!(state.poll_action(at(1)), KeeperAction::Check);
        assert_eq!(state.poll_action(at(5)), KeeperAction::Renew);
        assert_eq!(state.poll_action(at(13)), KeeperAction::Renew);
        assert_eq!(state.poll_action(at(14)), KeeperAction::Expire);
    }

    #[test]
    fn a_renewal_resets_the_schedule() {
        let start = Instant::now();
        let mut state = KeeperState::new(Timing::default(), start);
        let at = |s| start + Duration::from_secs(s);
        state.handle_renewed(at(12));
        assert_eq!(state.poll_action(at(16)), KeeperAction::Check);
        assert_eq!(state.poll_action(at(20)), KeeperAction::Renew);
        assert_eq!(state.poll_action(at(26)), KeeperAction::Expire);
    }

    #[test]
    fn a_node_record_about_to_expire_ends_the_lease_however_fresh_the_renewals() {
        let start = Instant::now();
        let mut state = KeeperState::new(Timing::default(), start);
        let at = |s| start + Duration::from_secs(s);
        // The node's last heartbeat reached the store at 2 s, for 15 s.
        state.handle_node_expiry(Some(at(17)));
        state.handle_renewed(at(10));
        assert_eq!(state.deadline(), at(16));
        assert_eq!(state.poll_action(at(15)), KeeperAction::Renew);
        assert_eq!(state.poll_action(at(16)), KeeperAction::Expire);
        // A later heartbeat moves it on; nothing known keeps the last word.
        state.handle_node_expiry(Some(at(22)));
        state.handle_node_expiry(None);
        assert_eq!(state.deadline(), at(21));
        // A node that left ends its leases at once.
        state.handle_node_expiry(Some(at(12)));
        assert_eq!(state.poll_action(at(12)), KeeperAction::Expire);
    }
}
