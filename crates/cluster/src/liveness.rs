//! Whether a node is dead, by one rule for every part that needs to know:
//! the death watch, the relay asking about a stream's owner, a room's
//! writer sweeping members of gone replicas, a follower watching its
//! writer. Pure: listings and the time go in, answers come out.
//!
//! The rule: a node missing from a listing of live nodes is dead, unless
//! the listing cannot be trusted. A listing taken by a node that does not
//! list that node itself means the registry lost records (Redis restarted
//! empty, or this node could not refresh): every live node announces
//! itself again within one refresh, so no listing is trusted until a grace
//! (one TTL) has passed with the watcher listed again.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What the last listing says of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Listed: its record had not expired.
    Alive,
    /// Missing from a listing that can be trusted.
    Dead,
    /// Missing, but the listing is not trusted (or none was taken yet).
    Unsure,
}

/// Node liveness as of the last listing, with the own-node distrust rule.
#[derive(Debug, Clone, Default)]
pub struct Liveness {
    /// The watching node's own id; `None` for a watcher that is no node.
    own: Option<String>,
    /// How long listings are distrusted after one lacked `own`.
    grace: Duration,
    /// No listing is trusted before this.
    quiet_until: Option<Instant>,
    listed: BTreeSet<String>,
    trusted: bool,
}

impl Liveness {
    /// For a watcher that is not a node itself: every listing is trusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// For node `own`: a listing without `own` makes listings untrusted
    /// until `grace` (one TTL) has passed with `own` listed again.
    pub fn for_node(own: impl Into<String>, grace: Duration) -> Self {
        Self {
            own: Some(own.into()),
            grace,
            ..Self::default()
        }
    }

    /// Takes the ids of the live nodes listed at `now`.
    pub fn handle_listing(&mut self, live: impl IntoIterator<Item = String>, now: Instant) {
        self.listed = live.into_iter().collect();
        if let Some(own) = &self.own {
            if !self.listed.contains(own) {
                self.quiet_until = Some(now + self.grace);
            }
        }
        let quiet = self.quiet_until.is_some_and(|until| now < until);
        if !quiet {
            self.quiet_until = None;
        }
        self.trusted = !quiet;
    }

    /// A listing that failed at `now`: the link or Redis is in trouble, and
    /// Redis may come back without its records, so no listing is trusted
    /// for one grace (the last one is kept for who is alive).
    pub fn handle_failed_listing(&mut self, now: Instant) {
        self.quiet_until = Some(now + self.grace);
        self.trusted = false;
    }

    /// What the last listing says of `id`.
    pub fn state(&self, id: &str) -> NodeState {
        if self.listed.contains(id) {
            NodeState::Alive
        } else if self.trusted {
            NodeState::Dead
        } else {
            NodeState::Unsure
        }
    }

    /// Whether `id` is dead as of the last listing.
    pub fn is_dead(&self, id: &str) -> bool {
        self.state(id) == NodeState::Dead
    }

    /// Whether the last listing can be trusted to name every live node.
    pub fn is_trusted(&self) -> bool {
        self.trusted
    }

    /// The ids the last listing named.
    pub fn listed(&self) -> &BTreeSet<String> {
        &self.listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_node_missing_from_a_listing_with_the_watcher_in_it_is_dead() {
        let t = Instant::now();
        let mut liveness = Liveness::for_node("me", Duration::from_secs(15));
        assert_eq!(liveness.state("a"), NodeState::Unsure, "nothing listed yet");
        liveness.handle_listing(ids(&["me", "a"]), t);
        assert_eq!(liveness.state("a"), NodeState::Alive);
        assert_eq!(liveness.state("never-seen"), NodeState::Dead);
        liveness.handle_listing(ids(&["me"]), t);
        assert!(liveness.is_dead("a"));
    }

    #[test]
    fn a_listing_without_the_watcher_is_not_trusted_for_one_grace() {
        let grace = Duration::from_secs(15);
        let t = Instant::now();
        let at = |s| t + Duration::from_secs(s);
        let mut liveness = Liveness::for_node("me", grace);
        liveness.handle_listing(ids(&["me", "a"]), t);
        // Redis restarted empty.
        liveness.handle_listing(ids(&[]), at(1));
        assert_eq!(liveness.state("a"), NodeState::Unsure);
        assert_eq!(liveness.state("me"), NodeState::Unsure);
        // This node is back first; `a` is not yet.
        liveness.handle_listing(ids(&["me"]), at(3));
        assert_eq!(liveness.state("a"), NodeState::Unsure);
        assert!(!liveness.is_trusted());
        // One grace after the last listing without this node, `a` is dead.
        liveness.handle_listing(ids(&["me"]), at(16));
        assert!(liveness.is_dead("a"));
    }

    #[test]
    fn a_failed_listing_makes_the_next_ones_untrusted_for_one_grace() {
        let grace = Duration::from_secs(15);
        let t = Instant::now();
        let at = |s| t + Duration::from_secs(s);
        let mut liveness = Liveness::for_node("me", grace);
        liveness.handle_listing(ids(&["me", "a"]), t);
        // Redis went away, then came back empty; this node announced first.
        liveness.handle_failed_listing(at(1));
        assert_eq!(
            liveness.state("a"),
            NodeState::Alive,
            "the last listing stands"
        );
        liveness.handle_listing(ids(&["me"]), at(2));
        assert_eq!(liveness.state("a"), NodeState::Unsure);
        liveness.handle_listing(ids(&["me"]), at(16));
        assert!(liveness.is_dead("a"));
    }

    #[test]
    fn a_watcher_that_is_no_node_trusts_every_listing() {
        let t = Instant::now();
        let mut liveness = Liveness::new();
        liveness.handle_listing(ids(&[]), t);
        assert!(liveness.is_dead("a"));
        liveness.handle_listing(ids(&["a"]), t);
        assert_eq!(liveness.state("a"), NodeState::Alive);
    }
}
