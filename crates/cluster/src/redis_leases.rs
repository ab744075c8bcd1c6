//! Leases on Redis: one hash per lease, an epoch counter beside it, a set of
//! leased resources, and Lua scripts so each step is atomic.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::{AsyncCommands, Script};
use tokio::time::Instant;

use crate::clock::unix_ms;
use crate::config::EPOCH_TTL;
use crate::error::ClusterError;
use crate::expiry::NodeExpiry;
use crate::lease::{Claim, Lease, LeaseInfo, LeaseKind};
use crate::leases::{fenced, Leases};
use crate::redis_link::{fenced_script, Fenced, RedisLink};

/// [`Leases`] of one kind on Redis.
#[derive(Debug)]
pub struct RedisLeases {
    link: RedisLink,
    kind: LeaseKind,
    ttl: Duration,
    scripts: Scripts,
    /// How long the records of nodes this process announced live at least.
    expiry: Option<Arc<NodeExpiry>>,
    /// How long an epoch counter lives after the last claim.
    epoch_ttl: Duration,
}

struct Scripts {
    claim: Script,
    renew: Script,
    release: Script,
    prune: Script,
}

/// Resources looked at per prune script: the set is walked in steps this
/// size, so Redis is never blocked for long.
const PRUNE_BATCH: usize = 200;

impl std::fmt::Debug for Scripts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scripts")
    }
}

impl RedisLeases {
    /// Leases of `kind` over `link`, expiring after `ttl` unless renewed.
    pub fn new(link: RedisLink, kind: LeaseKind, ttl: Duration) -> Self {
        let scripts = Scripts {
            claim: Script::new(include_str!("scripts/claim.lua")),
            renew: fenced_script(include_str!("scripts/renew.lua")),
            release: Script::new(include_str!("scripts/release.lua")),
            prune: Script::new(include_str!("scripts/prune.lua")),
        };
        Self {
            link,
            kind,
            ttl,
            scripts,
            expiry: None,
            epoch_ttl: EPOCH_TTL,
        }
    }

    /// Epoch counters live `epoch_ttl` after the last claim (default 7 days).
    pub fn with_epoch_ttl(mut self, epoch_ttl: Duration) -> Self {
        self.epoch_ttl = epoch_ttl;
        self
    }

    /// Lets keepers of these leases go by `expiry`, which the registry
    /// announcing this node fills (see [`Leases::node_expiry`]).
    pub fn with_node_expiry(mut self, expiry: Arc<NodeExpiry>) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// The fenced-script layout for `lease` at `now_ms`.
    pub(crate) fn fenced<'a>(&self, lease: &'a Lease, now_ms: u64) -> Fenced<'a> {
        let keys = &self.link.keys;
        Fenced {
            lease,
            lease_key: self.kind.lease_key(keys, &lease.resource),
            epoch_key: self.kind.epoch_key(keys, &lease.resource),
            set_key: self.kind.set_key(keys),
            now_ms,
            ttl_ms: self.ttl.as_millis() as u64,
            epoch_ttl_ms: self.epoch_ttl.as_millis() as u64,
        }
    }

    async fn read(&self, resource: &str) -> Result<Option<LeaseInfo>, ClusterError> {
        let key = self.kind.lease_key(&self.link.keys, resource);
        let read: redis::RedisResult<HashMap<String, String>> =
            self.link.conn.clone().hgetall(key).await;
        let fields = match read {
            // Something other than a hash under a lease's name.
            Err(e) if e.code() == Some("WRONGTYPE") => {
                return Err(ClusterError::Malformed { what: "lease" })
            }
            other => other?,
        };
        if fields.is_empty() {
            return Ok(None);
        }
        parse_info(resource, &fields).map(Some)
    }
}

#[async_trait]
impl Leases for RedisLeases {
    async fn claim(&self, resource: &str, node: &str, token: &str) -> Result<Claim, ClusterError> {
        let keys = &self.link.keys;
        let reply: Vec<String> = self
            .scripts
            .claim
            .key(self.kind.lease_key(keys, resource))
            .key(self.kind.epoch_key(keys, resource))
            .key(self.kind.set_key(keys))
            .arg(resource)
            .arg(node)
            .arg(token)
            .arg(unix_ms())
            .arg(self.ttl.as_millis() as u64)
            .arg(keys.node_prefix())
            .arg(self.epoch_ttl.as_millis() as u64)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        parse_claim(resource, &reply)
    }

    async fn renew(&self, lease: &Lease) -> Result<(), ClusterError> {
        let renewed: i64 = self
            .fenced(lease, unix_ms())
            .invocation(&self.scripts.renew)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        if renewed == 1 {
            Ok(())
        } else {
            Err(fenced(lease))
        }
    }

    async fn release(&self, lease: &Lease) -> Result<bool, ClusterError> {
        let keys = &self.link.keys;
        let released: i64 = self
            .scripts
            .release
            .key(self.kind.lease_key(keys, &lease.resource))
            .key(self.kind.set_key(keys))
            .arg(&lease.resource)
            .arg(&lease.node)
            .arg(lease.epoch)
            .invoke_async(&mut self.link.conn.clone())
            .await?;
        Ok(released == 1)
    }

    async fn holder(&self, resource: &str) -> Result<Option<LeaseInfo>, ClusterError> {
        self.read(resource).await
    }

    async fn active(&self) -> Result<Vec<LeaseInfo>, ClusterError> {
        let set = self.kind.set_key(&self.link.keys);
        let mut resources: Vec<String> = self.link.conn.clone().smembers(&set).await?;
        resources.sort();
        let mut active = Vec::with_capacity(resources.len());
        for resource in resources {
            match self.read(&resource).await {
                Ok(Some(info)) => active.push(info),
                Ok(None) => {
                    let _: i64 = self.link.conn.clone().srem(&set, &resource).await?;
                }
                // One bad lease must not hide every other one.
                Err(ClusterError::Malformed { .. }) => {
                    tracing::warn!(%resource, kind = ?self.kind, "skipping a malformed lease");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(active)
    }

    async fn prune(&self) -> Result<usize, ClusterError> {
        let set = self.kind.set_key(&self.link.keys);
        let (head, tail) = self.kind.lease_key_parts(&self.link.keys);
        let mut conn = self.link.conn.clone();
        let mut cursor = 0u64;
        let mut dropped = 0;
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SSCAN")
                .arg(&set)
                .arg(cursor)
                .arg("COUNT")
                .arg(PRUNE_BATCH)
                .query_async(&mut conn)
                .await?;
            if !batch.is_empty() {
                let mut call = self.scripts.prune.key(&set);
                call.arg(&head).arg(tail).arg(&batch);
                let n: usize = call.invoke_async(&mut conn).await?;
                dropped += n;
            }
            if next == 0 {
                return Ok(dropped);
            }
            cursor = next;
        }
    }

    fn node_expiry(&self, node: &str) -> Option<Instant> {
        self.expiry.as_ref()?.expiry(node)
    }
}

fn parse_claim(resource: &str, reply: &[String]) -> Result<Claim, ClusterError> {
    let malformed = || ClusterError::Malformed {
        what: "claim reply",
    };
    let [granted, node, token, epoch, started, beat] = reply else {
        return Err(malformed());
    };
    let lease = Lease {
        resource: resource.to_owned(),
        node: node.clone(),
        token: token.clone(),
        epoch: epoch.parse().map_err(|_| malformed())?,
    };
    if granted == "1" {
        return Ok(Claim::Granted(lease));
    }
    Ok(Claim::Held(LeaseInfo {
        lease,
        started_at_ms: started.parse().unwrap_or(0),
        last_heartbeat_ms: beat.parse().unwrap_or(0),
    }))
}

fn parse_info(resource: &str, fields: &HashMap<String, String>) -> Result<LeaseInfo, ClusterError> {
    let malformed = || ClusterError::Malformed { what: "lease" };
    let field = |name: &str| fields.get(name).ok_or_else(malformed);
    let number =
        |name: &str| -> Result<u64, ClusterError> { field(name)?.parse().map_err(|_| malformed()) };
    Ok(LeaseInfo {
        lease: Lease {
            resource: resource.to_owned(),
            node: field("node")?.clone(),
            token: field("token")?.clone(),
            epoch: number("epoch")?,
        },
        started_at_ms: number("started_at")?,
        last_heartbeat_ms: number("last_heartbeat")?,
    })
}
