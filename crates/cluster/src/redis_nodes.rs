//! Node registry on Redis: `node:{id}` (JSON, with a TTL) and the `nodes` set.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::{AsyncCommands, Script};
use tokio::time::Instant;

use crate::error::ClusterError;
use crate::expiry::NodeExpiry;
use crate::node::{NodeInfo, NodeRegistry};
use crate::redis_link::RedisLink;

/// [`NodeRegistry`] on Redis.
#[derive(Debug)]
pub struct RedisNodes {
    link: RedisLink,
    live: Script,
    expiry: Arc<NodeExpiry>,
}

impl RedisNodes {
    /// A registry over `link`.
    pub fn new(link: RedisLink) -> Self {
        Self::with_expiry(link, Arc::default())
    }

    /// A registry over `link` that notes in `expiry` how long the records
    /// it announced live at least (shared with the leases' keepers).
    pub fn with_expiry(link: RedisLink, expiry: Arc<NodeExpiry>) -> Self {
        Self {
            link,
            live: Script::new(include_str!("scripts/live_nodes.lua")),
            expiry,
        }
    }
}

#[async_trait]
impl NodeRegistry for RedisNodes {
    async fn announce(&self, info: &NodeInfo, ttl: Duration) -> Result<(), ClusterError> {
        let json = serde_json::to_string(info)?;
        let keys = &self.link.keys;
        let sent_at = Instant::now();
        redis::pipe()
            .atomic()
            .pset_ex(keys.node(&info.id), json, ttl.as_millis() as u64)
            .sadd(keys.nodes(), &info.id)
            .exec_async(&mut self.link.conn.clone())
            .await?;
        self.expiry.handle_announced(&info.id, sent_at, ttl);
        Ok(())
    }

    async fn withdraw(&self, id: &str) -> Result<(), ClusterError> {
        // Gone from now on, whether or not the delete lands.
        self.expiry.handle_withdrawn(id, Instant::now());
        let keys = &self.link.keys;
        redis::pipe()
            .atomic()
            .del(keys.node(id))
            .srem(keys.nodes(), id)
            .exec_async(&mut self.link.conn.clone())
            .await?;
        Ok(())
    }

    async fn live_nodes(&self) -> Result<Vec<NodeInfo>, ClusterError> {
        let keys = &self.link.keys;
        let records: Vec<String> = self
            .live
            .key(keys.nodes())
            .arg(keys.node_prefix())
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        let mut live = Vec::with_capacity(records.len());
        for record in records {
            match serde_json::from_str::<NodeInfo>(&record) {
                Ok(info) => live.push(info),
                Err(e) => tracing::warn!(error = %e, "skipping a malformed node record"),
            }
        }
        live.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(live)
    }

    async fn is_alive(&self, id: &str) -> Result<bool, ClusterError> {
        let key = self.link.keys.node(id);
        Ok(self.link.conn.clone().exists(key).await?)
    }
}
