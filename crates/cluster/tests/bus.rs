//! Room event bus and command forwarding, the same in process and on Redis.

#[macro_use]
mod support;

use std::time::Duration;

use bytes::Bytes;
use cluster::{
    BusEvent, BusItem, BusReader, Claim, Cluster, ClusterError, CommandReader, Forwarded,
    ForwardedCommand, Lease,
};

const WAIT: Duration = Duration::from_millis(500);

async fn writer(c: &Cluster, room: &str, node: &str) -> Lease {
    match c.room_writers.claim(room, node, node).await {
        Ok(Claim::Granted(lease)) => lease,
        other => panic!("writer lease for {room} on {node}: {other:?}"),
    }
}

async fn append(c: &Cluster, lease: &Lease, seq: u64) {
    let payload = Bytes::from(format!("event {seq}"));
    c.bus
        .append(lease, seq, payload)
        .await
        .unwrap_or_else(|e| panic!("append {seq}: {e}"));
}

fn event(room: &str, seq: u64) -> BusItem {
    BusItem::Event(BusEvent {
        room: room.to_owned(),
        seq,
        payload: Bytes::from(format!("event {seq}")),
    })
}

fn reader(c: &Cluster) -> Box<dyn BusReader> {
    c.bus.reader().unwrap_or_else(|e| panic!("bus reader: {e}"))
}

/// Reads until `want` items came, for at most 5 s.
async fn read_items(reader: &mut dyn BusReader, want: usize) -> Vec<BusItem> {
    let mut items = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while items.len() < want && tokio::time::Instant::now() < deadline {
        match reader.next(WAIT).await {
            Ok(batch) => items.extend(batch),
            Err(e) => panic!("bus read: {e}"),
        }
    }
    items
}

async fn every_reader_sees_a_rooms_events_in_seq_order(c: &Cluster) {
    let lease = writer(c, "room1", "n1").await;
    let mut first = reader(c);
    let mut second = reader(c);
    first.follow("room1", 0);
    second.follow("room1", 0);
    for seq in 1..=5 {
        append(c, &lease, seq).await;
    }
    let want: Vec<BusItem> = (1..=5).map(|s| event("room1", s)).collect();
    assert_eq!(read_items(&mut *first, 5).await, want);
    assert_eq!(read_items(&mut *second, 5).await, want);
}

async fn a_stale_writer_cannot_append(c: &Cluster) {
    let old = writer(c, "room1", "n1").await;
    let new = writer(c, "room1", "n1").await;
    let mut r = reader(c);
    r.follow("room1", 0);
    let refused = c.bus.append(&old, 1, Bytes::from_static(b"stale")).await;
    assert!(
        matches!(refused, Err(ClusterError::Fenced { .. })),
        "{refused:?}"
    );
    append(c, &new, 1).await;
    assert_eq!(read_items(&mut *r, 1).await, vec![event("room1", 1)]);
}

async fn a_reader_resumes_after_the_last_seq_it_saw(c: &Cluster) {
    let lease = writer(c, "room1", "n1").await;
    for seq in 1..=4 {
        append(c, &lease, seq).await;
    }
    let mut r = reader(c);
    r.follow("room1", 2);
    assert_eq!(
        read_items(&mut *r, 2).await,
        vec![event("room1", 3), event("room1", 4)]
    );
}

async fn a_jump_in_seq_is_reported_as_a_gap_before_the_event(c: &Cluster) {
    let lease = writer(c, "room1", "n1").await;
    let mut r = reader(c);
    r.follow("room1", 0);
    for seq in [1, 2, 5] {
        append(c, &lease, seq).await;
    }
    let gap = BusItem::Gap {
        room: "room1".to_owned(),
        from: 3,
        to: 4,
    };
    assert_eq!(
        read_items(&mut *r, 4).await,
        vec![event("room1", 1), event("room1", 2), gap, event("room1", 5)]
    );
}

async fn a_retried_append_is_delivered_once(c: &Cluster) {
    let lease = writer(c, "room1", "n1").await;
    let mut r = reader(c);
    r.follow("room1", 0);
    append(c, &lease, 1).await;
    append(c, &lease, 1).await;
    append(c, &lease, 2).await;
    assert_eq!(
        read_items(&mut *r, 2).await,
        vec![event("room1", 1), event("room1", 2)]
    );
    assert!(r
        .next(Duration::from_millis(100))
        .await
        .unwrap_or_default()
        .is_empty());
}

async fn a_reader_sees_only_the_rooms_it_follows(c: &Cluster) {
    let one = writer(c, "room1", "n1").await;
    let two = writer(c, "room2", "n1").await;
    let mut r = reader(c);
    r.follow("room2", 0);
    append(c, &one, 1).await;
    append(c, &two, 1).await;
    assert_eq!(read_items(&mut *r, 1).await, vec![event("room2", 1)]);
    r.unfollow("room2");
    append(c, &two, 2).await;
    assert!(r
        .next(Duration::from_millis(100))
        .await
        .unwrap_or_default()
        .is_empty());
}

fn command_reader(c: &Cluster, room: &str) -> Box<dyn CommandReader> {
    let mut reader = c
        .commands
        .reader()
        .unwrap_or_else(|e| panic!("command reader: {e}"));
    reader.follow(room);
    reader
}

async fn read_commands(reader: &mut dyn CommandReader, want: usize) -> Vec<ForwardedCommand> {
    let mut commands = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while commands.len() < want && tokio::time::Instant::now() < deadline {
        match reader.next(WAIT).await {
            Ok(batch) => commands.extend(batch),
            Err(e) => panic!("command read: {e}"),
        }
    }
    commands
}

async fn forward(c: &Cluster, room: &str, request_id: &str) -> Forwarded {
    let payload = Bytes::from(format!("cmd {request_id}"));
    c.commands
        .forward(room, request_id, payload)
        .await
        .unwrap_or_else(|e| panic!("forward {request_id}: {e}"))
}

async fn forwarded_commands_reach_the_writer_once_per_request_id(c: &Cluster) {
    let mut r = command_reader(c, "room1");
    assert_eq!(forward(c, "room1", "req-1").await, Forwarded::Queued);
    assert_eq!(forward(c, "room1", "req-1").await, Forwarded::AlreadyQueued);
    assert_eq!(forward(c, "room1", "req-2").await, Forwarded::Queued);
    let got = read_commands(&mut *r, 2).await;
    let ids: Vec<&str> = got.iter().map(|c| c.request_id.as_str()).collect();
    assert_eq!(ids, ["req-1", "req-2"]);
    assert_eq!(got[0].payload, Bytes::from_static(b"cmd req-1"));
    assert!(r
        .next(Duration::from_millis(100))
        .await
        .unwrap_or_default()
        .is_empty());
}

async fn a_new_writer_gets_the_commands_its_predecessor_did_not_ack(c: &Cluster) {
    let old = writer(c, "room1", "n1").await;
    let mut first = command_reader(c, "room1");
    forward(c, "room1", "req-1").await;
    forward(c, "room1", "req-2").await;
    let got = read_commands(&mut *first, 2).await;
    c.commands
        .ack(&old, &got[0].id)
        .await
        .unwrap_or_else(|e| panic!("ack: {e}"));

    let new = writer(c, "room1", "n2").await;
    let refused = c.commands.ack(&old, &got[1].id).await;
    assert!(
        matches!(refused, Err(ClusterError::Fenced { .. })),
        "{refused:?}"
    );
    let mut second = command_reader(c, "room1");
    let pending = read_commands(&mut *second, 1).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].request_id, "req-2");
    assert!(c.commands.ack(&new, &pending[0].id).await.is_ok());
}

on_both!(
    every_reader_sees_a_rooms_events_in_seq_order,
    a_stale_writer_cannot_append,
    a_reader_resumes_after_the_last_seq_it_saw,
    a_jump_in_seq_is_reported_as_a_gap_before_the_event,
    a_retried_append_is_delivered_once,
    a_reader_sees_only_the_rooms_it_follows,
    forwarded_commands_reach_the_writer_once_per_request_id,
    a_new_writer_gets_the_commands_its_predecessor_did_not_ack,
);
