//! Leases as a pure state machine: who holds a room's stream or a room's
//! writer role, under which epoch, until when. Time is a parameter (ms); the
//! rules are on [`LeaseTable`].

use std::collections::HashMap;

use crate::config::Keys;

/// What a lease guards; decides its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaseKind {
    /// `stream:{room}`: the node whose hub owns a room's live stream.
    Stream,
    /// `room:{id}:writer`: the node that runs a room and numbers its events.
    RoomWriter,
}

impl LeaseKind {
    /// The hash that holds the lease.
    pub fn lease_key(self, keys: &Keys, resource: &str) -> String {
        let (head, tail) = self.lease_key_parts(keys);
        format!("{head}{resource}{tail}")
    }

    /// What the hash's name is around the resource: head, tail.
    pub fn lease_key_parts(self, keys: &Keys) -> (String, &'static str) {
        match self {
            Self::Stream => (format!("{}stream:", keys.prefix()), ""),
            Self::RoomWriter => (format!("{}room:", keys.prefix()), ":writer"),
        }
    }

    /// The counter the epochs come from; it outlives the lease.
    pub fn epoch_key(self, keys: &Keys, resource: &str) -> String {
        format!("{}:epoch", self.lease_key(keys, resource))
    }

    /// The set listing the resources with a lease (`active_streams`, `room_writers`).
    pub fn set_key(self, keys: &Keys) -> String {
        match self {
            Self::Stream => format!("{}active_streams", keys.prefix()),
            Self::RoomWriter => format!("{}room_writers", keys.prefix()),
        }
    }
}

/// A lease held by this node: the proof to show on every fenced write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The room (stream or writer role) leased.
    pub resource: String,
    /// The node holding it.
    pub node: String,
    /// The claimant's token (publisher id for streams, node id for writers).
    pub token: String,
    /// The fencing epoch, larger than every earlier one for this resource.
    pub epoch: u64,
}

/// What is known of a lease's current holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseInfo {
    /// The lease itself.
    pub lease: Lease,
    /// When it was claimed (ms since the Unix epoch, claimant's clock).
    pub started_at_ms: u64,
    /// When it was last renewed (ms, holder's clock).
    pub last_heartbeat_ms: u64,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The lease is ours under a new epoch.
    Granted(Lease),
    /// A live node holds it for another token.
    Held(LeaseInfo),
}

/// Leases of one kind, in memory. No clock: every call takes `now_ms`.
///
/// The rules, shared with the Redis scripts:
/// - a claim succeeds if the lease is vacant or expired, if its holder's node
///   is dead, or if the claimant carries the same token (the same publisher
///   pushing again, wherever it lands); otherwise it is refused with the holder;
/// - every successful claim takes a new, larger epoch;
/// - renew and release are compare-and-set on (node, epoch): a stale epoch is
///   fenced, never trusted;
/// - renewing a lease that vanished (expired with nobody else claiming, or lost
///   with Redis' memory) re-creates it, unless a later epoch was handed out.
#[derive(Debug, Default)]
pub struct LeaseTable {
    leases: HashMap<String, Held>,
    epochs: HashMap<String, u64>,
}

#[derive(Debug, Clone)]
struct Held {
    info: LeaseInfo,
    expires_at_ms: u64,
}

impl LeaseTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Claims `resource` for (`node`, `token`); `node_alive` says whether a
    /// holder's node is still alive.
    pub fn claim(
        &mut self,
        resource: &str,
        node: &str,
        token: &str,
        now_ms: u64,
        ttl_ms: u64,
        node_alive: impl Fn(&str) -> bool,
    ) -> Claim {
        if let Some(held) = self.current(resource, now_ms) {
            let lease = &held.info.lease;
            if lease.token != token && node_alive(&lease.node) {
                return Claim::Held(held.info.clone());
            }
        }
        let epoch = self.epochs.entry(resource.to_owned()).or_insert(0);
        *epoch += 1;
        let lease = Lease {
            resource: resource.to_owned(),
            node: node.to_owned(),
            token: token.to_owned(),
            epoch: *epoch,
        };
        self.insert(lease.clone(), now_ms, now_ms, ttl_ms);
        Claim::Granted(lease)
    }

    /// Renews `lease` until `now_ms + ttl_ms`; false if it is fenced.
    pub fn renew(&mut self, lease: &Lease, now_ms: u64, ttl_ms: u64) -> bool {
        let Some(held) = self.current(&lease.resource, now_ms).cloned() else {
            return self.recreate(lease, now_ms, ttl_ms);
        };
        if !same_holder(&held.info.lease, lease) {
            return false;
        }
        self.insert(lease.clone(), held.info.started_at_ms, now_ms, ttl_ms);
        true
    }

    /// Whether `lease` is the current one (a write under it may go ahead).
    pub fn holds(&self, lease: &Lease, now_ms: u64) -> bool {
        self.current(&lease.resource, now_ms)
            .is_some_and(|held| same_holder(&held.info.lease, lease))
    }

    /// Releases `lease` if it is still the current one; false if fenced.
    pub fn release(&mut self, lease: &Lease, now_ms: u64) -> bool {
        if !self.holds(lease, now_ms) {
            return false;
        }
        self.leases.remove(&lease.resource);
        true
    }

    /// The current holder of `resource`, if its lease has not expired.
    pub fn holder(&self, resource: &str, now_ms: u64) -> Option<LeaseInfo> {
        self.current(resource, now_ms).map(|held| held.info.clone())
    }

    /// Forgets expired leases; how many.
    pub fn prune(&mut self, now_ms: u64) -> usize {
        let before = self.leases.len();
        self.leases.retain(|_, held| held.expires_at_ms > now_ms);
        before - self.leases.len()
    }

    /// Every unexpired lease; expired ones are forgotten.
    pub fn active(&mut self, now_ms: u64) -> Vec<LeaseInfo> {
        self.leases.retain(|_, held| held.expires_at_ms > now_ms);
        let mut all: Vec<_> = self.leases.values().map(|h| h.info.clone()).collect();
        all.sort_by(|a, b| a.lease.resource.cmp(&b.lease.resource));
        all
    }

    fn current(&self, resource: &str, now_ms: u64) -> Option<&Held> {
        self.leases
            .get(resource)
            .filter(|held| held.expires_at_ms > now_ms)
    }

    fn recreate(&mut self, lease: &Lease, now_ms: u64, ttl_ms: u64) -> bool {
        let epoch = self.epochs.entry(lease.resource.clone()).or_insert(0);
        if *epoch > lease.epoch {
            return false;
        }
        *epoch = lease.epoch;
        self.insert(lease.clone(), now_ms, now_ms, ttl_ms);
        true
    }

    fn insert(&mut self, lease: Lease, started_at_ms: u64, now_ms: u64, ttl_ms: u64) {
        let info = LeaseInfo {
            lease,
            started_at_ms,
            last_heartbeat_ms: now_ms,
        };
        let held = Held {
            info,
            expires_at_ms: now_ms.saturating_add(ttl_ms),
        };
        self.leases.insert(held.info.lease.resource.clone(), held);
    }
}

fn same_holder(current: &Lease, claimed: &Lease) -> bool {
    current.node == claimed.node && current.epoch == claimed.epoch
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: u64 = 15_000;

    fn granted(claim: Claim) -> Lease {
        match claim {
            Claim::Granted(lease) => lease,
            Claim::Held(info) => panic!("claim refused, held by {info:?}"),
        }
    }

    #[test]
    fn first_claim_is_granted_and_every_claim_raises_the_epoch() {
        let mut table = LeaseTable::new();
        let a = granted(table.claim("r", "n1", "pub", 0, TTL, |_| true));
        let b = granted(table.claim("r", "n2", "pub", 10, TTL, |_| true));
        assert!(b.epoch > a.epoch);
        assert_eq!(table.holder("r", 10).map(|i| i.lease), Some(b));
    }

    #[test]
    fn another_token_is_refused_while_the_holder_lives() {
        let mut table = LeaseTable::new();
        let a = granted(table.claim("r", "n1", "pub-a", 0, TTL, |_| true));
        match table.claim("r", "n2", "pub-b", 10, TTL, |_| true) {
            Claim::Held(info) => assert_eq!(info.lease, a),
            Claim::Granted(lease) => panic!("granted {lease:?} over a live holder"),
        }
    }

    #[test]
    fn a_dead_holders_lease_is_taken_at_once() {
        let mut table = LeaseTable::new();
        let a = granted(table.claim("r", "n1", "pub-a", 0, TTL, |_| true));
        let b = granted(table.claim("r", "n2", "pub-b", 10, TTL, |n| n != "n1"));
        assert!(b.epoch > a.epoch);
    }

    #[test]
    fn an_expired_lease_is_vacant() {
        let mut table = LeaseTable::new();
        granted(table.claim("r", "n1", "pub-a", 0, TTL, |_| true));
        assert!(table.holder("r", TTL).is_none());
        granted(table.claim("r", "n2", "pub-b", TTL, TTL, |_| true));
    }

    #[test]
    fn a_stale_epoch_is_fenced_on_renew_and_release() {
        let mut table = LeaseTable::new();
        let old = granted(table.claim("r", "n1", "pub", 0, TTL, |_| true));
        let new = granted(table.claim("r", "n2", "pub", 5, TTL, |_| true));
        assert!(!table.renew(&old, 6, TTL));
        assert!(!table.release(&old, 6));
        assert!(table.holds(&new, 6));
        assert!(table.release(&new, 7));
        assert!(table.holder("r", 7).is_none());
    }

    #[test]
    fn renewing_keeps_the_lease_past_its_first_ttl() {
        let mut table = LeaseTable::new();
        let lease = granted(table.claim("r", "n1", "pub", 0, TTL, |_| true));
        assert!(table.renew(&lease, 10_000, TTL));
        assert!(table.holds(&lease, 20_000));
        assert!(!table.holds(&lease, 25_000));
    }

    #[test]
    fn a_vanished_lease_is_recreated_by_its_holder_unless_a_later_epoch_exists() {
        let mut table = LeaseTable::new();
        let lease = granted(table.claim("r", "n1", "pub", 0, TTL, |_| true));
        assert!(table.renew(&lease, 20_000, TTL));
        assert!(table.holds(&lease, 20_001));

        table.release(&lease, 20_002);
        let later = granted(table.claim("r", "n2", "pub", 20_003, TTL, |_| true));
        table.release(&later, 20_004);
        assert!(!table.renew(&lease, 20_005, TTL));
    }
}
