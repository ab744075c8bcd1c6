//! Cluster seams for synctv: which replicas are alive ([`NodeRegistry`]),
//! who owns a room's live stream and who writes a room ([`Leases`], epoch-fenced),
//! how a room's events reach every replica ([`RoomBus`]) and how commands
//! reach the room's writer ([`CommandQueue`]).
//!
//! Layer: adapter. Each seam is a trait with an in-process implementation
//! (standalone mode: one node, today's behaviour) and a Redis implementation
//! (N equal replicas); [`Cluster`] bundles one of each behind `Arc<dyn …>` so
//! the code above runs the same in both modes. The lease rules are a pure
//! state machine ([`LeaseTable`], time as a parameter) that the in-process
//! implementation runs and the Redis Lua scripts mirror.
//!
//! Drive loops: a node calls [`spawn_heartbeat`] once (refreshes `node:{id}`
//! every 5 s) and [`spawn_death_watch`] to learn of dead nodes; a lease holder
//! wraps each granted [`Lease`] in a [`KeptLease`] (renew every 5 s, check
//! every 1 s, resolve `lost()` on takeover); a replica loops on
//! [`BusReader::next`] for the rooms it has members in, and a room writer
//! loops on [`CommandReader::next`] and acks what it applied. docs/cluster.md
//! lists the keys, scripts and failure behaviour.
//!
//! Operations: [`Cluster::ping`] is the readiness check of the Redis link,
//! and [`ClusterMetrics`] (held by [`Cluster`]) is where the relay, the
//! command forwarder and the bus reader report figures for `/metrics`; Redis
//! errors are counted where they become a [`ClusterError`].

mod bus;
mod clock;
mod cluster;
mod commands;
mod config;
mod error;
mod expiry;
mod keeper;
mod lease;
mod leases;
mod liveness;
mod memlog;
mod metrics;
mod node;
mod prune;
mod redis_bus;
mod redis_commands;
mod redis_leases;
mod redis_link;
mod redis_nodes;
mod redis_stream;
mod seq;

pub use bus::{BusEvent, BusItem, BusReader, MemoryBus, RoomBus};
pub use clock::{unix_ms, TaskGuard};
pub use cluster::Cluster;
pub use commands::{
    CommandQueue, CommandReader, Forwarded, ForwardedCommand, MemoryCommands, REQUEST_ID_TTL,
};
pub use config::{ClusterConfig, Keys, Timing, EPOCH_TTL, STREAMS_TTL};
pub use error::ClusterError;
pub use expiry::NodeExpiry;
pub use keeper::{KeeperAction, KeeperState, KeptLease, LeaseLost};
pub use lease::{Claim, Lease, LeaseInfo, LeaseKind, LeaseTable};
pub use leases::{Leases, MemoryLeases};
pub use liveness::{Liveness, NodeState};
pub use metrics::{ClusterMetrics, Figure};
pub use node::{
    spawn_death_watch, spawn_heartbeat, DeathDetector, MemoryNodes, NodeInfo, NodeLoad,
    NodeRegistry,
};
pub use prune::spawn_set_pruning;
pub use redis_bus::RedisBus;
pub use redis_commands::RedisCommands;
pub use redis_leases::RedisLeases;
pub use redis_link::RedisLink;
pub use redis_nodes::RedisNodes;
pub use seq::SeqTracker;
