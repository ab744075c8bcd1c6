//! [`StageState`] on Redis (cluster mode). Keys, under the cluster prefix:
//!
//! | key | type | contents |
//! |---|---|---|
//! | `stages:{room}` | hash | `v` (version), `data` (the stages, JSON) |
//! | `stages` | set | rooms with stages |
//! | `stages:{room}:seats` | hash | viewer → `stage\|started_ms` |
//! | `stages:{room}:beats:{stage}` | sorted set | viewer by last beat (ms) |
//! | `stages:{room}:floor` | hash, expiring | stage → count restored from SQL |

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use crate::error::StagesError;
use crate::stage::RoomStages;
use crate::state::{EndedWatch, Seat, StageState, Versioned};

/// How long seats and beats of a room nobody beats for are kept.
const KEEP: Duration = Duration::from_secs(24 * 3600);

/// See the module documentation.
#[derive(Clone)]
pub struct RedisState {
    conn: ConnectionManager,
    prefix: String,
    commit: Script,
    beat: Script,
    sweep: Script,
}

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisState")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisState {
    /// Connects to `url` (failing if Redis does not answer now); keys start
    /// with `prefix`. The link reconnects by itself afterwards.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisState, StagesError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_secs(1))
            .set_number_of_retries(3)
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(RedisState {
            conn,
            prefix: prefix.to_owned(),
            commit: Script::new(include_str!("scripts/commit.lua")),
            beat: Script::new(include_str!("scripts/beat.lua")),
            sweep: Script::new(include_str!("scripts/sweep.lua")),
        })
    }

    fn record(&self, room: &str) -> String {
        format!("{}stages:{room}", self.prefix)
    }

    fn rooms_key(&self) -> String {
        format!("{}stages", self.prefix)
    }

    fn seats(&self, room: &str) -> String {
        format!("{}stages:{room}:seats", self.prefix)
    }

    fn beats_prefix(&self, room: &str) -> String {
        format!("{}stages:{room}:beats:", self.prefix)
    }

    fn floor(&self, room: &str) -> String {
        format!("{}stages:{room}:floor", self.prefix)
    }
}

#[async_trait]
impl StageState for RedisState {
    async fn load(&self, room: &str) -> Result<Versioned, StagesError> {
        let mut conn = self.conn.clone();
        let (version, data): (Option<u64>, Option<String>) = redis::cmd("HMGET")
            .arg(self.record(room))
            .arg("v")
            .arg("data")
            .query_async(&mut conn)
            .await?;
        let stages = match data {
            Some(json) => serde_json::from_str(&json).map_err(|_| StagesError::Malformed {
                room: room.to_owned(),
            })?,
            None => RoomStages::default(),
        };
        Ok(Versioned {
            version: version.unwrap_or(0),
            stages,
        })
    }

    async fn commit(
        &self,
        room: &str,
        version: u64,
        stages: &RoomStages,
        seat: Option<&Seat>,
    ) -> Result<bool, StagesError> {
        let json = serde_json::to_string(stages).map_err(|_| StagesError::Malformed {
            room: room.to_owned(),
        })?;
        let beats = match seat {
            Some(seat) => format!("{}{}", self.beats_prefix(room), seat.stage),
            None => self.record(room),
        };
        let mut conn = self.conn.clone();
        let done: i64 = self
            .commit
            .key(self.record(room))
            .key(self.rooms_key())
            .key(self.seats(room))
            .key(beats)
            .arg(version)
            .arg(json)
            .arg(room)
            .arg(if stages.stages.is_empty() { "1" } else { "0" })
            .arg(seat.map_or("", |s| s.viewer.as_str()))
            .arg(seat.map_or("", |s| s.stage.as_str()))
            .arg(seat.map_or(0, |s| s.now_ms))
            .arg(KEEP.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        Ok(done == 1)
    }

    async fn seat_of(&self, room: &str, viewer: &str) -> Result<Option<String>, StagesError> {
        let mut conn = self.conn.clone();
        let seat: Option<String> = conn.hget(self.seats(room), viewer).await?;
        Ok(seat.and_then(|s| s.split_once('|').map(|(stage, _)| stage.to_owned())))
    }

    async fn beat(
        &self,
        room: &str,
        viewer: &str,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<Option<String>, StagesError> {
        let mut conn = self.conn.clone();
        let stage: Option<String> = self
            .beat
            .key(self.seats(room))
            .arg(viewer)
            .arg(now_ms)
            .arg(self.beats_prefix(room))
            .arg(KEEP.as_millis() as u64)
            .arg(since_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(stage)
    }

    async fn counts(&self, room: &str, since_ms: u64) -> Result<HashMap<String, u64>, StagesError> {
        let stages = self.load(room).await?.stages.stages;
        let mut pipe = redis::pipe();
        for stage in &stages {
            let key = format!("{}{}", self.beats_prefix(room), stage.id);
            pipe.zcount(key, since_ms, "+inf");
        }
        pipe.hgetall(self.floor(room));
        let mut conn = self.conn.clone();
        let values: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        let mut counts = HashMap::new();
        for (stage, value) in stages.iter().zip(&values) {
            let n: u64 = redis::from_redis_value_ref(value).unwrap_or(0);
            counts.insert(stage.id.clone(), n);
        }
        let floor: HashMap<String, u64> = values
            .last()
            .and_then(|v| redis::from_redis_value_ref(v).ok())
            .unwrap_or_default();
        for (stage, n) in floor {
            if let Some(count) = counts.get_mut(&stage) {
                *count = (*count).max(n);
            }
        }
        Ok(counts)
    }

    async fn sweep(
        &self,
        room: &str,
        stage: &str,
        before_ms: u64,
    ) -> Result<Vec<EndedWatch>, StagesError> {
        let bound = if before_ms == u64::MAX {
            "+inf".to_owned()
        } else {
            format!("({before_ms}")
        };
        let mut conn = self.conn.clone();
        let out: Vec<String> = self
            .sweep
            .key(format!("{}{stage}", self.beats_prefix(room)))
            .key(self.seats(room))
            .arg(bound)
            .arg(stage)
            .invoke_async(&mut conn)
            .await?;
        let ms = |text: &str| text.parse::<f64>().map_or(0, |v| v.max(0.0) as u64);
        Ok(out
            .chunks_exact(3)
            .map(|row| EndedWatch {
                room: room.to_owned(),
                viewer: row[0].clone(),
                stage: stage.to_owned(),
                started_ms: ms(&row[1]),
                last_beat_ms: ms(&row[2]),
            })
            .collect())
    }

    async fn rooms(&self) -> Result<Vec<String>, StagesError> {
        let mut conn = self.conn.clone();
        let mut rooms: Vec<String> = conn.smembers(self.rooms_key()).await?;
        rooms.sort();
        Ok(rooms)
    }

    async fn restore_floor(
        &self,
        room: &str,
        counts: &HashMap<String, u64>,
        until_ms: u64,
    ) -> Result<(), StagesError> {
        if counts.is_empty() {
            return Ok(());
        }
        let key = self.floor(room);
        let mut pipe = redis::pipe();
        pipe.atomic().del(&key);
        for (stage, n) in counts {
            pipe.hset(&key, stage, *n);
        }
        pipe.cmd("PEXPIREAT").arg(&key).arg(until_ms);
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await?;
        Ok(())
    }
}
