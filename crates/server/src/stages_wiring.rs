//! Stages of live rooms (the `stages` crate), wired: their state in Redis
//! in a cluster and in process standalone, who publishes a room (the
//! stream lease, or the local hub), replication through the relay's
//! pulls, this node's agent writing accounting into the store, and the
//! live engine's viewer hook: open play connections beat for their viewer,
//! and a play token bound to another replica's stage is refused here.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use cluster::Cluster;
use live::{BoxFuture, Live, PlayRefusal, Replicas, ViewerHook};
use relay::Relay;
use stages::{
    MemoryState, Origin, PublisherInfo, RedisState, StageRules, StageState, Stages, StagesConfig,
    StagesError, StagesTask,
};

use crate::config::Config;
use crate::run::secs;

/// The stages of this node and its agent.
#[derive(Debug)]
pub(crate) struct NodeStages {
    pub(crate) stages: Stages,
    _agent: StagesTask,
}

impl NodeStages {
    pub(crate) async fn start(
        config: &Config,
        cluster: &Cluster,
        live: Arc<Live>,
        relay: Option<Relay>,
        store: store::Store,
    ) -> Result<NodeStages, StagesError> {
        let node = config.cluster.node_id.clone();
        let state: Arc<dyn StageState> = match &config.redis_url {
            Some(url) => Arc::new(RedisState::connect(url, &config.cluster.key_prefix).await?),
            None => Arc::new(MemoryState::new()),
        };
        let origin: Arc<dyn Origin> = match relay {
            Some(relay) => Arc::new(ClusterOrigin {
                cluster: cluster.clone(),
                relay,
            }),
            None => Arc::new(LocalOrigin {
                node: node.clone(),
                live: live.clone(),
            }),
        };
        let stages = Stages::new(stages_config(config), state, cluster.nodes.clone(), origin);
        live.set_viewer_hook(Arc::new(StageViewers {
            stages: stages.clone(),
            node: node.clone(),
        }));
        let agent = stages.spawn_agent(store);
        Ok(NodeStages {
            stages,
            _agent: agent,
        })
    }
}

/// A room's viewer count in a cluster: the stage accounting's count of the
/// room on every replica (FLV and RTMP connections, HLS and room-socket
/// heartbeats). A failed read leaves the room's count as it is.
#[derive(Debug)]
pub(crate) struct StageAudience {
    stages: Stages,
}

impl StageAudience {
    pub(crate) fn new(stages: Stages) -> StageAudience {
        StageAudience { stages }
    }
}

impl rooms::Audience for StageAudience {
    fn viewers<'a>(&'a self, room: &'a str) -> rooms::ViewerCountFuture<'a> {
        Box::pin(async move {
            match self.stages.room_viewers(room).await {
                Ok(viewers) => Some(viewers),
                Err(e) => {
                    tracing::debug!(room, error = %e, "room viewer count not read");
                    None
                }
            }
        })
    }
}

fn stages_config(config: &Config) -> StagesConfig {
    let l = &config.live;
    let mut stages = StagesConfig::new(config.cluster.node_id.clone());
    stages.rules = StageRules {
        capacity: l.stage_capacity,
        scale_up_ratio: l.stage_scale_up_ratio,
        idle_ms: secs(l.stage_idle_secs).as_millis() as u64,
    };
    stages.heartbeat_every = secs(l.viewer_heartbeat_secs);
    stages.heartbeat_expiry = secs(l.viewer_expiry_secs);
    stages.tick = secs(l.stage_tick_secs);
    stages.snapshot_every = secs(l.viewer_snapshot_secs);
    stages.batch_rows = l.watch_batch_rows;
    stages.batch_wait = secs(l.watch_batch_secs);
    stages
}

/// A cluster's publisher is the stream lease's holder (on a live node);
/// replication is the relay's pull from it.
#[derive(Debug)]
struct ClusterOrigin {
    cluster: Cluster,
    relay: Relay,
}

#[async_trait]
impl Origin for ClusterOrigin {
    async fn publisher(&self, room: &str) -> Result<Option<PublisherInfo>, StagesError> {
        let Some(holder) = self.cluster.streams.holder(room).await? else {
            return Ok(None);
        };
        if !self.cluster.nodes.is_alive(&holder.lease.node).await? {
            return Ok(None);
        }
        Ok(Some(PublisherInfo {
            node: holder.lease.node,
            since_ms: holder.started_at_ms,
        }))
    }

    fn replicate(&self, room: &str) {
        if self.relay.is_pulled(room) {
            return;
        }
        let relay = self.relay.clone();
        let room = room.to_owned();
        tokio::spawn(async move { relay.want(&room).await });
    }

    fn stop(&self, room: &str) {
        self.relay.stop_pull(room);
    }

    fn is_replicating(&self, room: &str) -> bool {
        self.relay.is_pulled(room)
    }
}

/// Standalone, the node itself is the only stage: a room publishes when
/// its stream is live in the local hub.
#[derive(Debug)]
struct LocalOrigin {
    node: String,
    live: Arc<Live>,
}

#[async_trait]
impl Origin for LocalOrigin {
    async fn publisher(&self, room: &str) -> Result<Option<PublisherInfo>, StagesError> {
        let stream = self.live.hub.streams().into_iter().find(|s| s.name == room);
        Ok(stream.map(|s| {
            let age = Instant::now().saturating_duration_since(s.started_at);
            PublisherInfo {
                node: self.node.clone(),
                since_ms: cluster::unix_ms().saturating_sub(age.as_millis() as u64),
            }
        }))
    }

    fn replicate(&self, _room: &str) {}

    fn stop(&self, _room: &str) {}

    fn is_replicating(&self, _room: &str) -> bool {
        false
    }
}

/// The live engine's viewers, as stages see them: a play connection beats
/// for its `viewer=` while open, and a play token bound to another
/// replica (the stage its viewer was seated on) is refused.
#[derive(Debug)]
struct StageViewers {
    stages: Stages,
    node: String,
}

impl ViewerHook for StageViewers {
    fn admit<'a>(
        &'a self,
        _stream: &'a str,
        token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), PlayRefusal>> {
        Box::pin(std::future::ready(bound_here(token, &self.node)))
    }

    fn attached(&self, stream: &str, viewer: &str) {
        self.stages.attach(stream, viewer);
    }

    fn detached(&self, stream: &str, viewer: &str) {
        self.stages.detach(stream, viewer);
    }
}

/// Whether a play token may be used on `node`: unbound, or bound to it.
fn bound_here(token: Option<&str>, node: &str) -> Result<(), PlayRefusal> {
    match token.and_then(rooms::PlayTokens::bound_node) {
        Some(bound) if bound != node => Err(PlayRefusal {
            code: "wrong_stage",
            message: format!(
                "this play token is for the stage on replica {bound}: play there, or ask where to watch again"
            ),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_bound_to_another_replica_is_refused_with_its_code() {
        // `{expiry}.{signature}.{hex "node-b"}`; the signature is verify's.
        let token = "1.00ff.6e6f64652d62";
        assert_eq!(bound_here(Some(token), "node-b"), Ok(()));
        let refused = bound_here(Some(token), "node-a").unwrap_err();
        assert_eq!(refused.code, "wrong_stage");
        assert!(refused.message.contains("node-b"), "{}", refused.message);
        assert_eq!(bound_here(Some("1.00ff"), "node-a"), Ok(()), "unbound");
        assert_eq!(bound_here(None, "node-a"), Ok(()));
    }
}
