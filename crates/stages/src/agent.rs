//! The task each node runs for the stages it serves: every tick it
//! starts or stops replication, marks whether the stream runs here,
//! closes idle stages, ends the watches whose heartbeats expired (into
//! SQL in batches), snapshots counts every `snapshot_every`, and puts
//! back its stages when the shared state lost them (Redis restarted
//! empty), with counts from the latest snapshot until heartbeats refill.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use store::{AudienceRepo, SnapshotRow, Store, WatchRow};
use tokio::task::JoinHandle;

use crate::batch::WatchBatcher;
use crate::error::StagesError;
use crate::service::{Inner, Stages};
use crate::stage::{RoomStages, Stage};
use crate::state::EndedWatch;

/// The agent's task; stops when dropped.
#[derive(Debug)]
pub struct StagesTask(JoinHandle<()>);

impl Drop for StagesTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Stages {
    /// Starts this node's agent, writing accounting into `store`.
    pub fn spawn_agent(&self, store: Store) -> StagesTask {
        let agent = Agent {
            batcher: WatchBatcher::new(
                self.inner.config.batch_rows,
                self.inner.config.batch_wait.as_millis() as u64,
            ),
            inner: self.inner.clone(),
            store,
            mine: HashMap::new(),
            last_snapshot_ms: cluster::unix_ms(),
        };
        StagesTask(tokio::spawn(agent.run()))
    }
}

struct Agent {
    inner: Arc<Inner>,
    store: Store,
    batcher: WatchBatcher,
    /// The rooms with a stage here, as last committed.
    mine: HashMap<String, RoomStages>,
    last_snapshot_ms: u64,
}

impl Agent {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.inner.config.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let mut rooms: BTreeSet<String> = self.mine.keys().cloned().collect();
            match self.inner.state.rooms().await {
                Ok(listed) => rooms.extend(listed),
                Err(e) => tracing::debug!(error = %e, "cannot list rooms with stages"),
            }
            for room in rooms {
                if let Err(e) = self.tend(&room).await {
                    tracing::debug!(room, error = %e, "cannot look after the room's stages");
                }
            }
            let now_ms = cluster::unix_ms();
            self.inner.beat_connections(now_ms).await;
            self.flush(now_ms).await;
            if now_ms >= self.last_snapshot_ms + self.inner.config.snapshot_every.as_millis() as u64
            {
                self.last_snapshot_ms = now_ms;
                self.snapshot(now_ms).await;
            }
        }
    }

    async fn tend(&mut self, room: &str) -> Result<(), StagesError> {
        self.restore_if_lost(room).await?;
        let inner = self.inner.clone();
        let node = inner.config.node.clone();
        let rules = inner.config.rules;
        let changed = inner
            .change(room, |stages, now| {
                stages.handle_tick(&rules, &node, now);
                let owner = now.publisher == Some(node.as_str());
                let wanted = stages
                    .stages
                    .iter()
                    .any(|s| s.node == node && s.replicate && now.publisher.is_some() && !owner);
                if wanted {
                    inner.origin.replicate(room);
                }
                let running = owner || (wanted && inner.origin.is_replicating(room));
                let ids: Vec<String> = mine(stages, &node).map(|s| s.id.clone()).collect();
                for id in ids {
                    stages.handle_replicating(&id, running);
                }
                Ok((wanted, None))
            })
            .await?;
        let before: Vec<Stage> = self
            .mine
            .get(room)
            .map(|s| mine(s, &node).cloned().collect())
            .unwrap_or_default();
        let now_mine: Vec<Stage> = mine(&changed.stages, &node).cloned().collect();
        let started = now_mine.iter().filter(|s| {
            s.scaled_up && s.replicating && !before.iter().any(|b| b.id == s.id && b.replicating)
        });
        inner.metrics.auto_replications.add(started.count() as u64);
        let wanted_before = before.iter().any(|s| s.replicate);
        if wanted_before && !changed.value {
            inner.origin.stop(room);
        }
        for gone in before
            .iter()
            .filter(|s| !now_mine.iter().any(|n| n.id == s.id))
        {
            let ended = inner.state.sweep(room, &gone.id, u64::MAX).await?;
            self.end(ended, &node);
        }
        let since = inner.since_ms(cluster::unix_ms());
        for stage in &now_mine {
            let ended = inner.state.sweep(room, &stage.id, since).await?;
            self.end(ended, &node);
        }
        let gauges = now_mine.iter().map(|s| {
            (
                s.id.clone(),
                changed.counts.get(&s.id).copied().unwrap_or(0),
            )
        });
        inner
            .metrics
            .set_room(room, gauges.collect::<BTreeMap<_, _>>());
        if now_mine.is_empty() {
            self.mine.remove(room);
        } else {
            self.mine.insert(room.to_owned(), changed.stages);
        }
        Ok(())
    }

    /// Puts the room's stages back when the state has none but this node
    /// had some (the state was lost), with the latest snapshot's counts as
    /// a floor for one heartbeat expiry.
    async fn restore_if_lost(&mut self, room: &str) -> Result<(), StagesError> {
        let Some(known) = self.mine.get(room) else {
            return Ok(());
        };
        let loaded = self.inner.state.load(room).await?;
        if loaded.version != 0 {
            return Ok(());
        }
        if !self.inner.state.commit(room, 0, known, None).await? {
            return Ok(());
        }
        let now_ms = cluster::unix_ms();
        let window = 2 * self.inner.config.snapshot_every.as_millis() as u64;
        let since = i64::try_from(now_ms.saturating_sub(window)).unwrap_or(0);
        let floor: HashMap<String, u64> = self
            .store
            .latest_snapshot(room, since)
            .await?
            .into_iter()
            .filter(|row| known.stage(&row.stage).is_some())
            .map(|row| (row.stage, u64::try_from(row.viewers).unwrap_or(0)))
            .collect();
        let until = now_ms + self.inner.config.heartbeat_expiry.as_millis() as u64;
        self.inner.state.restore_floor(room, &floor, until).await?;
        tracing::warn!(
            room,
            ?floor,
            "stage state was lost: stages put back, counts from the latest snapshot"
        );
        Ok(())
    }

    fn end(&mut self, ended: Vec<EndedWatch>, node: &str) {
        let now_ms = cluster::unix_ms();
        for watch in ended {
            let row = WatchRow {
                room: watch.room,
                viewer: watch.viewer,
                stage: watch.stage,
                node: node.to_owned(),
                started_at_ms: ms(watch.started_ms),
                ended_at_ms: ms(watch.last_beat_ms),
                watched_ms: ms(watch.last_beat_ms.saturating_sub(watch.started_ms)),
            };
            self.batcher.handle_row(row, now_ms);
        }
    }

    async fn flush(&mut self, now_ms: u64) {
        while let Some(batch) = self.batcher.poll_batch(now_ms) {
            let rows = batch.len();
            match self.store.record_watches(batch).await {
                Ok(()) => self.inner.metrics.batch_writes.add(1),
                Err(e) => tracing::warn!(rows, error = %e, "watch sessions not stored"),
            }
        }
    }

    async fn snapshot(&mut self, now_ms: u64) {
        let node = self.inner.config.node.clone();
        let mut rows = Vec::new();
        for room in self.mine.keys() {
            let Ok(counts) = self
                .inner
                .state
                .counts(room, self.inner.since_ms(now_ms))
                .await
            else {
                continue;
            };
            for stage in self.mine.get(room).into_iter().flat_map(|s| mine(s, &node)) {
                rows.push(SnapshotRow {
                    room: room.clone(),
                    stage: stage.id.clone(),
                    viewers: ms(counts.get(&stage.id).copied().unwrap_or(0)),
                });
            }
        }
        if rows.is_empty() {
            return;
        }
        match self.store.record_snapshot(&node, ms(now_ms), rows).await {
            Ok(()) => self.inner.metrics.snapshot_writes.add(1),
            Err(e) => tracing::warn!(error = %e, "viewer snapshot not stored"),
        }
    }
}

fn mine<'a>(stages: &'a RoomStages, node: &'a str) -> impl Iterator<Item = &'a Stage> + 'a {
    stages.stages.iter().filter(move |s| s.node == node)
}

fn ms(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
