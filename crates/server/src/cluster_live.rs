//! Live streams across replicas, wired in cluster mode: the `relay` crate
//! installed as the live engine's [`live::Replicas`] seam, its death watch,
//! and what it adds to this node's load. Standalone, none of it runs and
//! the live engine is a single process, as before.

use std::sync::Arc;
use std::time::Duration;

use cluster::{Cluster, NodeLoad};
use live::Live;
use relay::{Relay, RelayConfig, RelayError, RelayTask};

use crate::config::Config;
use crate::run::secs;

/// How often the registry is polled for dead nodes.
const DEATH_POLL: Duration = Duration::from_secs(1);

/// The relay of this replica and its death watch.
#[derive(Debug)]
pub(crate) struct ClusterLive {
    pub(crate) relay: Relay,
    _deaths: RelayTask,
}

impl ClusterLive {
    /// Installs the relay into `live` when this process is one replica of
    /// several (`redis_url` set); `None` standalone.
    pub(crate) fn start(
        config: &Config,
        cluster: &Cluster,
        live: &Live,
    ) -> Result<Option<ClusterLive>, RelayError> {
        if config.redis_url.is_none() {
            return Ok(None);
        }
        let secret = config.cluster.secret.clone().unwrap_or_default();
        let mut relay_config = RelayConfig::new(config.cluster.node_id.clone(), secret);
        relay_config.pull_idle = secs(config.cluster.pull_idle_secs);
        relay_config.viewer_wait = secs(config.live.viewer_wait_secs);
        let relay = Relay::new(relay_config, cluster.clone(), live.hub.clone())?;
        live.set_replicas(Arc::new(relay.clone()));
        let deaths = relay.spawn_death_watch(DEATH_POLL);
        Ok(Some(ClusterLive {
            relay,
            _deaths: deaths,
        }))
    }
}

/// What this node carries now, as the other replicas see it: streams
/// owned here (every local stream, standalone) and pulls from others.
pub(crate) fn load(live: &Live, relay: Option<&Relay>) -> NodeLoad {
    let (streams, pulls) = match relay {
        Some(relay) => {
            let counts = relay.counts();
            (counts.owned, counts.pulls)
        }
        None => (live.hub.streams().len(), 0),
    };
    NodeLoad {
        streams: u32::try_from(streams).unwrap_or(u32::MAX),
        pulls: u32::try_from(pulls).unwrap_or(u32::MAX),
        ..NodeLoad::default()
    }
}
