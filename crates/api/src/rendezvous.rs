//! Which replica a room's publisher is sent to: rendezvous (highest random
//! weight) hashing of the room id over the live nodes. Every replica picks
//! the same node from the same list, and when a node joins or leaves only
//! the rooms that hash best to that node move.

use cluster::NodeInfo;

/// The node with the highest weight for `room`, if any.
pub(crate) fn pick<'a>(room: &str, nodes: &'a [NodeInfo]) -> Option<&'a NodeInfo> {
    nodes
        .iter()
        .max_by_key(|node| (weight(&node.id, room), &node.id))
}

/// A stable 64-bit weight of (node, room): FNV-1a over both, separated by a
/// byte no id contains, then a 64-bit finaliser so that ids differing in
/// their last bytes still spread. Stable across builds and machines, unlike
/// `std`'s hasher.
fn weight(node: &str, room: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in node.bytes().chain([0xff]).chain(room.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(ids: &[&str]) -> Vec<NodeInfo> {
        ids.iter()
            .map(|id| NodeInfo {
                id: (*id).to_owned(),
                http_addr: format!("{id}:8080"),
                rtmp_addr: format!("{id}:1935"),
                started_at: 0,
                load: cluster::NodeLoad::default(),
            })
            .collect()
    }

    fn picks(rooms: &[String], nodes: &[NodeInfo]) -> Vec<String> {
        rooms
            .iter()
            .map(|room| pick(room, nodes).map_or(String::new(), |n| n.id.clone()))
            .collect()
    }

    fn rooms() -> Vec<String> {
        (0..1000).map(|i| format!("room{i}")).collect()
    }

    #[test]
    fn no_nodes_pick_nothing_and_the_order_of_the_list_does_not_matter() {
        assert!(pick("r", &[]).is_none());
        let forward = nodes(&["a", "b", "c"]);
        let backward = nodes(&["c", "b", "a"]);
        assert_eq!(picks(&rooms(), &forward), picks(&rooms(), &backward));
    }

    #[test]
    fn rooms_spread_over_every_node() {
        let three = nodes(&["pod-0", "pod-1", "pod-2"]);
        let chosen = picks(&rooms(), &three);
        for node in &three {
            let share = chosen.iter().filter(|id| **id == node.id).count();
            assert!(
                (200..=470).contains(&share),
                "{} got {share} of 1000 rooms",
                node.id
            );
        }
    }

    #[test]
    fn a_node_leaving_moves_only_its_own_rooms() {
        let rooms = rooms();
        let before = picks(&rooms, &nodes(&["pod-0", "pod-1", "pod-2", "pod-3"]));
        let after = picks(&rooms, &nodes(&["pod-0", "pod-1", "pod-3"]));
        for (was, now) in before.iter().zip(&after) {
            if was != "pod-2" {
                assert_eq!(was, now, "a room on {was} moved to {now}");
            } else {
                assert_ne!(now, "pod-2");
            }
        }
    }
}
