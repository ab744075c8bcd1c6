//! Rooms in cluster mode: with `redis_url` set, each room runs on the
//! replica holding its writer lease and the others follow it (see the
//! `rooms` crate and docs/cluster.md, "Rooms across replicas").
//! Standalone, rooms stay exactly as the API built them.

use crate::config::Config;
use crate::node::Node;

/// Makes `state`'s rooms cluster rooms when this node is in a cluster.
pub(crate) fn wire(mut state: api::AppState, node: &Node, config: &Config) -> api::AppState {
    if config.redis_url.is_none() {
        return state;
    }
    let replicas = rooms::Replicas::new(node.cluster.clone());
    let rooms_config = state.rooms.config().clone();
    state.rooms = rooms::Rooms::clustered(state.store.clone(), rooms_config, replicas);
    state
}
