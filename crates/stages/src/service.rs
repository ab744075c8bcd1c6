//! [`Stages`]: the stage model run against the shared state, the seam the
//! API calls ([`StageControl`]). Every change is a load, a pure decision
//! and a compare-and-set commit, retried when another replica wrote first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cluster::{Liveness, NodeInfo, NodeRegistry, NodeState};

use crate::error::{PlanError, StagesError};
use crate::metrics::StageMetrics;
use crate::stage::{NodeSlot, RoomStages, Situation, Stage, StageEvent, StageRules};
use crate::state::{Seat, StageState};
use crate::watching::Watching;

/// Tries of one change before giving up with [`StagesError::Busy`].
const TRIES: usize = 50;

/// Who publishes a room, and the replication of streams into this node.
#[async_trait]
pub trait Origin: Send + Sync + std::fmt::Debug {
    /// The room's publisher, if it publishes.
    async fn publisher(&self, room: &str) -> Result<Option<PublisherInfo>, StagesError>;
    /// Starts (or keeps) replicating the room's stream into this node.
    fn replicate(&self, room: &str);
    /// Stops replicating it here.
    fn stop(&self, room: &str);
    /// Whether the room's stream is replicated into this node now.
    fn is_replicating(&self, room: &str) -> bool;
}

/// A room's publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublisherInfo {
    /// The node it publishes on (the owner).
    pub node: String,
    pub since_ms: u64,
}

/// A stage as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageView {
    pub stage: Stage,
    pub viewers: u64,
}

/// Where a viewer watches: the stage and its node's record (`None` if the
/// node is not listed now, e.g. standalone before its first heartbeat).
#[derive(Debug, Clone)]
pub struct Placement {
    pub stage: StageView,
    pub node: Option<NodeInfo>,
}

/// What the API asks of stages; see docs/stages.md.
#[async_trait]
pub trait StageControl: Send + Sync + std::fmt::Debug {
    /// Seats `viewer` on a stage (the one it has, if any).
    async fn watch(&self, room: &str, viewer: &str) -> Result<Placement, StagesError>;
    /// A viewer's heartbeat; false when it is not seated (watch first).
    async fn heartbeat(&self, room: &str, viewer: &str) -> Result<bool, StagesError>;
    async fn publisher(&self, room: &str) -> Result<Option<PublisherInfo>, StagesError>;
    async fn stages(&self, room: &str) -> Result<Vec<StageView>, StagesError>;
    /// Opens a stage by hand.
    async fn open(&self, room: &str) -> Result<StageView, StagesError>;
    /// Turns a stage's replication on or off by hand.
    async fn replication(
        &self,
        room: &str,
        stage: &str,
        on: bool,
    ) -> Result<StageView, StagesError>;
    /// The node this process is.
    fn node(&self) -> &str;
    /// How often viewers should beat.
    fn heartbeat_every(&self) -> Duration;
}

/// Intervals and sizes (`live.stage_*`, `live.viewer_*` in the configuration).
#[derive(Debug, Clone)]
pub struct StagesConfig {
    pub node: String,
    pub rules: StageRules,
    /// Viewers are asked to beat this often.
    pub heartbeat_every: Duration,
    /// A viewer whose last beat is older no longer counts.
    pub heartbeat_expiry: Duration,
    /// How often this node looks after its stages.
    pub tick: Duration,
    pub snapshot_every: Duration,
    pub batch_rows: usize,
    pub batch_wait: Duration,
    /// How long a watch waits for a new stage's replication to start.
    pub replicate_wait: Duration,
}

impl StagesConfig {
    pub fn new(node: impl Into<String>) -> StagesConfig {
        StagesConfig {
            node: node.into(),
            rules: StageRules {
                capacity: 1000,
                scale_up_ratio: 0.9,
                idle_ms: 300_000,
            },
            heartbeat_every: Duration::from_secs(30),
            heartbeat_expiry: Duration::from_secs(120),
            tick: Duration::from_secs(1),
            snapshot_every: Duration::from_secs(300),
            batch_rows: 25,
            batch_wait: Duration::from_secs(30),
            replicate_wait: Duration::from_secs(5),
        }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Stages {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: StagesConfig,
    pub(crate) state: Arc<dyn StageState>,
    pub(crate) nodes: Arc<dyn NodeRegistry>,
    pub(crate) origin: Arc<dyn Origin>,
    pub(crate) metrics: Arc<StageMetrics>,
    /// Viewers whose play connection to this node is open.
    pub(crate) watching: Watching,
    /// Which nodes are dead, by the cluster's one rule: a listing without
    /// this node (Redis restarted empty, or its link failed) proves
    /// nothing for a while.
    pub(crate) liveness: Mutex<Liveness>,
}

/// What a change decided, with the room as it is after it.
pub(crate) struct Changed<T> {
    pub(crate) value: T,
    pub(crate) stages: RoomStages,
    pub(crate) counts: HashMap<String, u64>,
}

impl Stages {
    pub fn new(
        config: StagesConfig,
        state: Arc<dyn StageState>,
        nodes: Arc<dyn NodeRegistry>,
        origin: Arc<dyn Origin>,
    ) -> Stages {
        Stages {
            inner: Arc::new(Inner {
                state,
                nodes,
                origin,
                liveness: Mutex::new(Liveness::for_node(config.node.clone(), NODE_GRACE)),
                metrics: Arc::default(),
                watching: Watching::default(),
                config,
            }),
        }
    }

    /// The figures for `/metrics`.
    pub fn metrics(&self) -> Arc<StageMetrics> {
        self.inner.metrics.clone()
    }

    /// A play connection of `viewer` to `room`'s stream opened here: it
    /// beats for the viewer until [`Stages::detach`].
    pub fn attach(&self, room: &str, viewer: &str) {
        self.inner.watching.handle_attach(room, viewer);
    }

    /// That connection closed.
    pub fn detach(&self, room: &str, viewer: &str) {
        self.inner.watching.handle_detach(room, viewer);
    }

    /// How many watch `room` now, on every stage and replica: the viewers
    /// whose last beat is within the expiry (the hot tier).
    pub async fn room_viewers(&self, room: &str) -> Result<u64, StagesError> {
        let inner = &self.inner;
        let since = inner.since_ms(cluster::unix_ms());
        let counts = inner.state.counts(room, since).await?;
        Ok(counts.values().sum())
    }
}

impl Inner {
    pub(crate) fn since_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.config.heartbeat_expiry.as_millis() as u64)
    }

    /// Runs `decide` on the room's stages until its commit lands.
    pub(crate) async fn change<T>(
        &self,
        room: &str,
        mut decide: impl FnMut(&mut RoomStages, Situation<'_>) -> Result<(T, Option<Seat>), PlanError>,
    ) -> Result<Changed<T>, StagesError> {
        for _ in 0..TRIES {
            let loaded = self.state.load(room).await?;
            let now_ms = cluster::unix_ms();
            let counts = self.state.counts(room, self.since_ms(now_ms)).await?;
            let nodes = self.node_slots(&loaded.stages).await?;
            let publisher = self.origin.publisher(room).await?;
            let mut stages = loaded.stages.clone();
            let now = Situation {
                counts: &counts,
                nodes: &nodes,
                publisher: publisher.as_ref().map(|p| p.node.as_str()),
                now_ms,
            };
            let (value, seat) = decide(&mut stages, now)?;
            let events: Vec<StageEvent> = std::iter::from_fn(|| stages.poll_event()).collect();
            if stages == loaded.stages && seat.is_none() {
                return Ok(Changed {
                    value,
                    stages,
                    counts,
                });
            }
            if self
                .state
                .commit(room, loaded.version, &stages, seat.as_ref())
                .await?
            {
                self.note(room, &events);
                let mut counts = counts;
                if let Some(seat) = seat {
                    *counts.entry(seat.stage).or_default() += 1;
                }
                return Ok(Changed {
                    value,
                    stages,
                    counts,
                });
            }
        }
        Err(StagesError::Busy)
    }

    fn note(&self, room: &str, events: &[StageEvent]) {
        for event in events {
            match event {
                StageEvent::Opened { stage, node } => {
                    tracing::info!(room, stage, node, "stage opened");
                }
                StageEvent::ScaledUp { stage, node } => {
                    self.metrics.scale_ups.add(1);
                    tracing::info!(room, stage, node, "stages full: stage opened");
                }
                StageEvent::Closed { stage, node } => {
                    tracing::info!(room, stage, node, "stage closed");
                }
                StageEvent::Warned { stage, message } => {
                    tracing::warn!(room, stage, "{message}");
                }
            }
        }
    }

    /// Beats for the viewers whose play connection here is open; one the
    /// state does not know (it lost the seats) is seated on this node's
    /// stage of the room, if there is one.
    pub(crate) async fn beat_connections(&self, now_ms: u64) {
        let expiry = self.config.heartbeat_expiry.as_millis() as u64;
        let every = (self.config.heartbeat_every.as_millis() as u64).min(expiry / 3);
        for (room, viewer) in self.watching.poll_due(now_ms, every) {
            let beat = self
                .state
                .beat(&room, &viewer, now_ms, self.since_ms(now_ms));
            let seated = match beat.await {
                Ok(Some(_)) => true,
                Ok(None) => self.seat_here(&room, &viewer).await.unwrap_or(false),
                Err(e) => {
                    tracing::debug!(room, viewer, error = %e, "connection beat not recorded");
                    false
                }
            };
            self.metrics.heartbeats.add(u64::from(seated));
        }
    }

    /// Seats `viewer` on this node's stage of `room`; false without one.
    async fn seat_here(&self, room: &str, viewer: &str) -> Result<bool, StagesError> {
        let node = self.config.node.as_str();
        let changed = self
            .change(room, |stages, now| {
                let Some(stage) = stages.stages.iter().find(|s| s.node == node) else {
                    return Ok((false, None));
                };
                let seat = Seat {
                    viewer: viewer.to_owned(),
                    stage: stage.id.clone(),
                    now_ms: now.now_ms,
                };
                Ok((true, Some(seat)))
            })
            .await?;
        Ok(changed.value)
    }

    /// Waits (bounded) until the stage's node says the stream runs there.
    async fn await_replication(&self, room: &str, stage: &str) {
        let deadline = tokio::time::Instant::now() + self.config.replicate_wait;
        while tokio::time::Instant::now() < deadline {
            match self.state.load(room).await {
                Ok(v) if v.stages.stage(stage).is_none_or(|s| s.replicating) => return,
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(room, error = %e, "cannot read the stage");
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tracing::warn!(
            room,
            stage,
            "replication has not started yet; sending the viewer anyway"
        );
    }

    fn view(changed: &Changed<String>) -> Result<StageView, StagesError> {
        let stage = changed
            .stages
            .stage(&changed.value)
            .cloned()
            .ok_or(PlanError::NoSuchStage)?;
        let viewers = changed.counts.get(&stage.id).copied().unwrap_or(0);
        Ok(StageView { stage, viewers })
    }
}

#[async_trait]
impl StageControl for Stages {
    async fn watch(&self, room: &str, viewer: &str) -> Result<Placement, StagesError> {
        let inner = &self.inner;
        let seated = inner.state.seat_of(room, viewer).await?;
        let rules = inner.config.rules;
        let changed = inner
            .change(room, |stages, now| {
                if let Some(stage) = seated.as_ref().filter(|s| stages.stage(s).is_some()) {
                    return Ok((stage.clone(), None));
                }
                let stage = stages.handle_watch(&rules, now)?;
                let seat = Seat {
                    viewer: viewer.to_owned(),
                    stage: stage.clone(),
                    now_ms: now.now_ms,
                };
                Ok((stage, Some(seat)))
            })
            .await?;
        let now_ms = cluster::unix_ms();
        inner
            .state
            .beat(room, viewer, now_ms, inner.since_ms(now_ms))
            .await?;
        inner.metrics.heartbeats.add(1);
        let view = Inner::view(&changed)?;
        if view.stage.replicate && !view.stage.replicating && view.stage.warning.is_none() {
            inner.await_replication(room, &view.stage.id).await;
        }
        let nodes = inner.nodes.live_nodes().await?;
        let node = nodes.into_iter().find(|n| n.id == view.stage.node);
        Ok(Placement { stage: view, node })
    }

    async fn heartbeat(&self, room: &str, viewer: &str) -> Result<bool, StagesError> {
        let now_ms = cluster::unix_ms();
        let since = self.inner.since_ms(now_ms);
        let stage = self.inner.state.beat(room, viewer, now_ms, since).await?;
        if stage.is_some() {
            self.inner.metrics.heartbeats.add(1);
        }
        Ok(stage.is_some())
    }

    async fn publisher(&self, room: &str) -> Result<Option<PublisherInfo>, StagesError> {
        self.inner.origin.publisher(room).await
    }

    async fn stages(&self, room: &str) -> Result<Vec<StageView>, StagesError> {
        let inner = &self.inner;
        let stages = inner.state.load(room).await?.stages.stages;
        let counts = inner
            .state
            .counts(room, inner.since_ms(cluster::unix_ms()))
            .await?;
        Ok(stages
            .into_iter()
            .map(|stage| StageView {
                viewers: counts.get(&stage.id).copied().unwrap_or(0),
                stage,
            })
            .collect())
    }

    async fn open(&self, room: &str) -> Result<StageView, StagesError> {
        let rules = self.inner.config.rules;
        let changed = self
            .inner
            .change(room, |stages, now| {
                Ok((stages.handle_open(&rules, now)?, None))
            })
            .await?;
        Inner::view(&changed)
    }

    async fn replication(
        &self,
        room: &str,
        stage: &str,
        on: bool,
    ) -> Result<StageView, StagesError> {
        let changed = self
            .inner
            .change(room, |stages, now| {
                stages.handle_replication(stage, on, now.publisher)?;
                Ok((stage.to_owned(), None))
            })
            .await?;
        self.inner.metrics.replications.add(u64::from(on));
        Inner::view(&changed)
    }

    fn node(&self) -> &str {
        &self.inner.config.node
    }

    fn heartbeat_every(&self) -> Duration {
        self.inner.config.heartbeat_every
    }
}

/// How long a listing without this node is distrusted: a node record's
/// lifetime, after which every live node has announced itself again.
const NODE_GRACE: Duration = Duration::from_secs(15);

impl Inner {
    /// The nodes a change may count on: the live ones, plus those carrying
    /// a stage of the room that the listing cannot prove dead (they stay,
    /// with a load no new stage picks, so a Redis that lost its node
    /// records does not close every stage).
    async fn node_slots(&self, stages: &RoomStages) -> Result<Vec<NodeSlot>, StagesError> {
        let listed = match self.nodes.live_nodes().await {
            Ok(listed) => listed,
            Err(e) => {
                self.liveness_mut().handle_failed_listing(Instant::now());
                return Err(e.into());
            }
        };
        let mut slots = node_slots(&listed);
        let mut liveness = self.liveness_mut();
        liveness.handle_listing(listed.into_iter().map(|n| n.id), Instant::now());
        for stage in &stages.stages {
            let known = slots.iter().any(|slot| slot.id == stage.node);
            if !known && liveness.state(&stage.node) == NodeState::Unsure {
                slots.push(NodeSlot {
                    id: stage.node.clone(),
                    load: u64::MAX,
                });
            }
        }
        Ok(slots)
    }

    fn liveness_mut(&self) -> std::sync::MutexGuard<'_, Liveness> {
        self.liveness
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Live nodes with the load a new stage avoids: viewers, then pulls.
pub(crate) fn node_slots(nodes: &[NodeInfo]) -> Vec<NodeSlot> {
    nodes
        .iter()
        .map(|n| {
            let l = &n.load;
            let viewers =
                u64::from(l.flv_viewers) + u64::from(l.rtmp_viewers) + u64::from(l.hls_viewers);
            NodeSlot {
                id: n.id.clone(),
                load: viewers * 1000 + u64::from(l.pulls),
            }
        })
        .collect()
}
