#![allow(clippy::unwrap_used)]

use super::*;

const RULES: StageRules = StageRules {
    capacity: 5,
    scale_up_ratio: 0.9,
    idle_ms: 10_000,
};

fn nodes(loads: &[(&str, u64)]) -> Vec<NodeSlot> {
    loads
        .iter()
        .map(|(id, load)| NodeSlot {
            id: (*id).to_owned(),
            load: *load,
        })
        .collect()
}

fn at<'a>(
    counts: &'a HashMap<String, u64>,
    nodes: &'a [NodeSlot],
    publisher: Option<&'a str>,
    now_ms: u64,
) -> Situation<'a> {
    Situation {
        counts,
        nodes,
        publisher,
        now_ms,
    }
}

fn events(stages: &mut RoomStages) -> Vec<StageEvent> {
    std::iter::from_fn(|| stages.poll_event()).collect()
}

/// Seats `n` viewers one after the other, counting each where it went.
fn seat(
    stages: &mut RoomStages,
    counts: &mut HashMap<String, u64>,
    live: &[NodeSlot],
    n: usize,
) -> Vec<String> {
    (0..n)
        .map(|_| {
            let id = stages
                .handle_watch(&RULES, at(&counts.clone(), live, Some("a"), 0))
                .unwrap();
            *counts.entry(id.clone()).or_default() += 1;
            id
        })
        .collect()
}

#[test]
fn the_owner_s_stage_fills_first_then_stages_open_on_the_least_loaded_nodes() {
    let live = nodes(&[("a", 50), ("b", 30), ("c", 10)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    let placed = seat(&mut stages, &mut counts, &live, 14);
    let node_of = |id: &str| stages.stage(id).unwrap().node.clone();
    assert!(placed[..5].iter().all(|s| node_of(s) == "a"), "{placed:?}");
    assert!(
        placed[5..10].iter().all(|s| node_of(s) == "c"),
        "{placed:?}"
    );
    assert!(placed[10..].iter().all(|s| node_of(s) == "b"), "{placed:?}");
    assert_eq!(stages.stages.len(), 3);
    let owner = stages.stages.iter().find(|s| s.node == "a").unwrap();
    assert!(!owner.replicate, "the owner's stage needs no replication");
    assert!(stages
        .stages
        .iter()
        .filter(|s| s.node != "a")
        .all(|s| s.replicate));
    let scale_ups = events(&mut stages)
        .into_iter()
        .filter(|e| matches!(e, StageEvent::ScaledUp { .. }))
        .count();
    assert_eq!(scale_ups, 2);
}

#[test]
fn a_stage_takes_viewers_until_the_ratio_of_its_capacity() {
    let rules = StageRules {
        capacity: 10,
        scale_up_ratio: 0.5,
        ..RULES
    };
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    let first = stages
        .handle_watch(&rules, at(&counts, &live, Some("a"), 0))
        .unwrap();
    counts.insert(first.clone(), 4);
    let fifth = stages
        .handle_watch(&rules, at(&counts, &live, Some("a"), 0))
        .unwrap();
    assert_eq!(fifth, first, "4 of 10 is below half");
    counts.insert(first.clone(), 5);
    let sixth = stages
        .handle_watch(&rules, at(&counts, &live, Some("a"), 0))
        .unwrap();
    assert_ne!(sixth, first, "5 of 10 is at half: a new stage opens");
}

#[test]
fn with_no_free_node_the_least_filled_stage_takes_the_viewer_past_capacity() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    seat(&mut stages, &mut counts, &live, 10);
    let next = seat(&mut stages, &mut counts, &live, 2);
    assert_ne!(next[0], next[1], "the overflow is spread");
    assert_eq!(stages.stages.len(), 2);
}

#[test]
fn a_scale_up_while_not_publishing_keeps_the_stage_with_a_warning_until_publishing() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let counts = HashMap::new();
    let id = stages
        .handle_watch(&RULES, at(&counts, &live, None, 0))
        .unwrap();
    let stage = stages.stage(&id).unwrap();
    assert!(stage.replicate);
    assert_eq!(stage.warning.as_deref(), Some(NOT_PUBLISHING));
    assert!(events(&mut stages)
        .iter()
        .any(|e| matches!(e, StageEvent::Warned { .. })));
    stages.handle_tick(&RULES, "b", at(&counts, &live, Some("b"), 1_000));
    let carried = stages.stages.iter().find(|s| s.node == "b").unwrap();
    assert_eq!(carried.warning, None, "publishing clears the warning");
}

#[test]
fn manual_replication_needs_a_publisher_and_the_owner_stage_cannot_stop() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let counts = HashMap::new();
    let id = stages
        .handle_open(&RULES, at(&counts, &live, None, 0))
        .unwrap();
    assert_eq!(
        stages.handle_replication(&id, true, None),
        Err(PlanError::NotPublishing)
    );
    assert_eq!(
        stages.handle_replication("s99", true, Some("a")),
        Err(PlanError::NoSuchStage)
    );
    let node = stages.stage(&id).unwrap().node.clone();
    let other = if node == "a" { "b" } else { "a" };
    stages.handle_replication(&id, false, Some(other)).unwrap();
    assert!(!stages.stage(&id).unwrap().replicate);
    assert_eq!(
        stages.handle_replication(&id, false, Some(&node)),
        Err(PlanError::OwnerStage)
    );
    stages
        .handle_open(&RULES, at(&counts, &live, None, 0))
        .unwrap();
    assert_eq!(
        stages.handle_open(&RULES, at(&counts, &live, None, 0)),
        Err(PlanError::NoFreeNode)
    );
}

#[test]
fn an_idle_stage_closes_but_the_owner_s_stage_stays_while_publishing() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    seat(&mut stages, &mut counts, &live, 6);
    events(&mut stages);
    stages.handle_tick(&RULES, "b", at(&counts, &live, Some("a"), 5_000));
    let empty = HashMap::new();
    stages.handle_tick(&RULES, "b", at(&empty, &live, Some("a"), 14_000));
    assert_eq!(stages.stages.len(), 2, "idle for 9 s of 10: kept");
    stages.handle_tick(&RULES, "b", at(&empty, &live, Some("a"), 15_000));
    assert_eq!(stages.stages.len(), 1);
    assert_eq!(stages.stages[0].node, "a");
    assert_eq!(
        events(&mut stages),
        [StageEvent::Closed {
            stage: "s2".into(),
            node: "b".into()
        }]
    );
    stages.handle_tick(&RULES, "a", at(&empty, &live, None, 30_000));
    assert!(
        stages.stages.is_empty(),
        "not publishing: the owner's stage closes too"
    );
}

#[test]
fn a_stage_whose_node_died_closes_at_once() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    seat(&mut stages, &mut counts, &live, 6);
    let only_a = nodes(&[("a", 0)]);
    stages.handle_tick(&RULES, "b", at(&counts, &only_a, Some("a"), 1));
    assert_eq!(stages.stages.len(), 1);
}

#[test]
fn stages_survive_a_round_trip_through_json() {
    let live = nodes(&[("a", 0), ("b", 0)]);
    let mut stages = RoomStages::default();
    let mut counts = HashMap::new();
    seat(&mut stages, &mut counts, &live, 6);
    let json = serde_json::to_string(&stages).unwrap();
    let back: RoomStages = serde_json::from_str(&json).unwrap();
    assert_eq!(back.stages, stages.stages);
    assert_eq!(back.next_id, 2);
}
