//! The stages of one room and the decisions about them, sans IO: viewer
//! counts, live nodes, the publisher's node and the time go in; the
//! room's stages change and [`StageEvent`]s come out of
//! [`RoomStages::poll_event`].

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::PlanError;

/// How stages fill and close (`live.stage_*` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageRules {
    /// Viewers one stage is meant to carry.
    pub capacity: u32,
    /// A stage at or above `capacity × ratio` viewers is full enough that
    /// the next viewer goes elsewhere (or to a new stage).
    pub scale_up_ratio: f64,
    /// A stage with no viewer for this long closes (ms).
    pub idle_ms: u64,
}

/// One replica carrying the room's stream for its viewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// `s1`, `s2`, …: unique within the room, never reused.
    pub id: String,
    /// The node (replica) that serves the stage's viewers.
    pub node: String,
    pub capacity: u32,
    pub opened_at_ms: u64,
    /// Whether the stream should be replicated into the stage (a pull from
    /// the owner). False on the owner's own stage, which needs none.
    pub replicate: bool,
    /// Whether the stage's node reports the stream running there.
    pub replicating: bool,
    /// When the stage last had a viewer (or was opened).
    pub last_viewer_ms: u64,
    /// Why the stage does not carry the stream yet, if it should.
    pub warning: Option<String>,
    /// Whether it opened because every other stage was full (not by hand).
    #[serde(default)]
    pub scaled_up: bool,
}

/// A node a stage may open on: its id and how loaded it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSlot {
    pub id: String,
    /// Viewers and pulls it carries (lower is better).
    pub load: u64,
}

/// What the decisions look at.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    /// Live viewers per stage id (missing: none).
    pub counts: &'a HashMap<String, u64>,
    /// The live nodes.
    pub nodes: &'a [NodeSlot],
    /// The node the room's publisher publishes on, if it publishes.
    pub publisher: Option<&'a str>,
    pub now_ms: u64,
}

/// What changed, for logs and figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageEvent {
    Opened {
        stage: String,
        node: String,
    },
    /// Opened because every other stage was full.
    ScaledUp {
        stage: String,
        node: String,
    },
    Closed {
        stage: String,
        node: String,
    },
    /// Replication is wanted but the room is not publishing.
    Warned {
        stage: String,
        message: String,
    },
}

/// The stages of one room, as stored (JSON) between decisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoomStages {
    pub stages: Vec<Stage>,
    /// The number of the next stage id.
    pub next_id: u64,
    #[serde(skip)]
    events: VecDeque<StageEvent>,
}

/// How often a stage's last-viewer time moves on while it has viewers
/// (each move is a write of the room's stages).
const VIEWER_NOTE_MS: u64 = 1_000;

/// The warning a stage carries while the room does not publish.
pub const NOT_PUBLISHING: &str = "the room is not publishing: replication starts when it does";

impl RoomStages {
    /// The stage `id`.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The next thing that happened, until none is left.
    pub fn poll_event(&mut self) -> Option<StageEvent> {
        self.events.pop_front()
    }

    /// Places one new viewer: the owner's stage first, then the others in
    /// the order they opened; the first below the ratio takes the viewer.
    /// When all are at or above it, a stage opens on the least-loaded live
    /// node without one; with no such node, the least-filled stage takes
    /// the viewer (past its capacity if need be). Returns the stage id.
    pub fn handle_watch(
        &mut self,
        rules: &StageRules,
        now: Situation<'_>,
    ) -> Result<String, PlanError> {
        self.open_owner_stage(rules, now);
        let count = |s: &Stage| now.counts.get(&s.id).copied().unwrap_or(0);
        let below = |s: &Stage| (count(s) as f64) < f64::from(s.capacity) * rules.scale_up_ratio;
        if let Some(stage) = self
            .fill_order(now.publisher)
            .into_iter()
            .find(|s| below(s))
        {
            return Ok(stage.id.clone());
        }
        if let Some(node) = self.free_node(now.nodes) {
            let id = self.open(rules, &node, now);
            if let Some(stage) = self.stages.last_mut() {
                stage.scaled_up = true;
            }
            self.events.push_back(StageEvent::ScaledUp {
                stage: id.clone(),
                node,
            });
            return Ok(id);
        }
        let least = self.stages.iter().min_by(|a, b| {
            let fill = |s: &Stage| count(s) as f64 / f64::from(s.capacity.max(1));
            fill(a).total_cmp(&fill(b))
        });
        least.map(|s| s.id.clone()).ok_or(PlanError::NoNode)
    }

    /// Opens a stage by hand on the least-loaded live node without one.
    pub fn handle_open(
        &mut self,
        rules: &StageRules,
        now: Situation<'_>,
    ) -> Result<String, PlanError> {
        self.open_owner_stage(rules, now);
        let node = self.free_node(now.nodes).ok_or(PlanError::NoFreeNode)?;
        let id = self.open(rules, &node, now);
        self.events.push_back(StageEvent::Opened {
            stage: id.clone(),
            node,
        });
        Ok(id)
    }

    /// Turns replication of `stage` on or off by hand. On needs a
    /// publishing publisher; the owner's stage carries the stream itself.
    pub fn handle_replication(
        &mut self,
        stage: &str,
        on: bool,
        publisher: Option<&str>,
    ) -> Result<(), PlanError> {
        let stage = self
            .stages
            .iter_mut()
            .find(|s| s.id == stage)
            .ok_or(PlanError::NoSuchStage)?;
        if publisher == Some(stage.node.as_str()) {
            return if on {
                Ok(())
            } else {
                Err(PlanError::OwnerStage)
            };
        }
        if on && publisher.is_none() {
            return Err(PlanError::NotPublishing);
        }
        stage.replicate = on;
        stage.warning = None;
        Ok(())
    }

    /// The periodic pass: notes which stages have viewers, opens the
    /// owner's stage, clears or sets the not-publishing warning, and
    /// closes stages idle for `idle_ms` (never the owner's stage while it
    /// publishes) and stages whose node is gone.
    ///
    /// `node` is the node making the pass: it looks after its own stages
    /// only (and after stages of dead nodes, which cannot).
    pub fn handle_tick(&mut self, rules: &StageRules, node: &str, now: Situation<'_>) {
        self.open_owner_stage(rules, now);
        let mut closed = Vec::new();
        for stage in &mut self.stages {
            let node_gone = !now.nodes.iter().any(|n| n.id == stage.node);
            if stage.node != node && !node_gone {
                continue;
            }
            let seen = now.counts.get(&stage.id).copied().unwrap_or(0) > 0;
            if seen && now.now_ms >= stage.last_viewer_ms + VIEWER_NOTE_MS {
                stage.last_viewer_ms = now.now_ms;
            }
            self.events.extend(note_publishing(stage, now.publisher));
            let owner = now.publisher == Some(stage.node.as_str());
            let idle = !seen && now.now_ms.saturating_sub(stage.last_viewer_ms) >= rules.idle_ms;
            if (idle && !owner) || node_gone {
                closed.push((stage.id.clone(), stage.node.clone()));
            }
        }
        self.stages
            .retain(|s| !closed.iter().any(|(id, _)| *id == s.id));
        for (stage, node) in closed {
            self.events.push_back(StageEvent::Closed { stage, node });
        }
    }

    /// Records what the stage's node sees: whether the stream runs there.
    /// Returns whether anything changed.
    pub fn handle_replicating(&mut self, stage: &str, running: bool) -> bool {
        match self.stages.iter_mut().find(|s| s.id == stage) {
            Some(s) if s.replicating != running => {
                s.replicating = running;
                true
            }
            _ => false,
        }
    }

    /// The stages in the order they take viewers: the owner's first.
    fn fill_order(&self, publisher: Option<&str>) -> Vec<&Stage> {
        let (mut order, rest): (Vec<&Stage>, Vec<&Stage>) = self
            .stages
            .iter()
            .partition(|s| Some(s.node.as_str()) == publisher);
        order.extend(rest);
        order
    }

    /// The publisher's node gets a stage as soon as it publishes.
    fn open_owner_stage(&mut self, rules: &StageRules, now: Situation<'_>) {
        let Some(owner) = now.publisher else {
            return;
        };
        if self.stages.iter().any(|s| s.node == owner) {
            return;
        }
        let id = self.open(rules, owner, now);
        self.events.push_back(StageEvent::Opened {
            stage: id,
            node: owner.to_owned(),
        });
    }

    /// The least-loaded live node without a stage of this room.
    fn free_node(&self, nodes: &[NodeSlot]) -> Option<String> {
        nodes
            .iter()
            .filter(|n| !self.stages.iter().any(|s| s.node == n.id))
            .min_by(|a, b| a.load.cmp(&b.load).then_with(|| a.id.cmp(&b.id)))
            .map(|n| n.id.clone())
    }

    fn open(&mut self, rules: &StageRules, node: &str, now: Situation<'_>) -> String {
        self.next_id += 1;
        let id = format!("s{}", self.next_id);
        let mut stage = Stage {
            id: id.clone(),
            node: node.to_owned(),
            capacity: rules.capacity,
            opened_at_ms: now.now_ms,
            replicate: now.publisher != Some(node),
            replicating: false,
            last_viewer_ms: now.now_ms,
            warning: None,
            scaled_up: false,
        };
        self.events
            .extend(note_publishing(&mut stage, now.publisher));
        self.stages.push(stage);
        id
    }
}

/// Sets or clears the stage's not-publishing warning; the event when it
/// is newly set.
fn note_publishing(stage: &mut Stage, publisher: Option<&str>) -> Option<StageEvent> {
    if publisher.is_some() {
        if stage.warning.as_deref() == Some(NOT_PUBLISHING) {
            stage.warning = None;
        }
        return None;
    }
    if !stage.replicate || stage.warning.is_some() {
        return None;
    }
    stage.warning = Some(NOT_PUBLISHING.to_owned());
    Some(StageEvent::Warned {
        stage: stage.id.clone(),
        message: NOT_PUBLISHING.to_owned(),
    })
}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
