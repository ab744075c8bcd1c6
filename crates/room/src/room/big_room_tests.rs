//! A room of a thousand members: a bounded welcome, paging, batched
//! presence news with unchanged seq order.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::command::{Kick, Leave, SendChat, SetRole};
use crate::testing::{TestRoom, ALICE, CREATOR};

const CROWD: u64 = 1_000;

fn crowd_member(n: u64) -> UserId {
    UserId(100 + n)
}

/// A room whose creator, one admin (ALICE) and `CROWD` members are online;
/// every event drained.
fn big_room() -> TestRoom {
    let mut t = TestRoom::new();
    t.join(ALICE);
    t.run(
        CREATOR,
        SetRole {
            user: ALICE,
            role: Role::Admin,
        },
    )
    .unwrap();
    for n in 0..CROWD {
        t.join(crowd_member(n));
        t.advance(5);
    }
    settle(&mut t);
    t
}

/// Lets every batch of presence news go out; returns the events.
fn settle(t: &mut TestRoom) -> Vec<RoomEvent> {
    let mut events = t.drain();
    while let Some(at) = t.poll_timeout() {
        t.now = t.now.max(at);
        let now = t.now;
        t.handle_timeout(now);
        events.extend(t.drain());
    }
    events
}

/// What a client keeps: the online members by id, and the count.
#[derive(Debug, Default, PartialEq)]
struct ClientView {
    online: BTreeMap<UserId, String>,
    count: u64,
}

impl ClientView {
    fn apply(&mut self, event: &EventKind) {
        match event {
            EventKind::MemberJoined { member, online, .. } => {
                self.online.insert(member.user, member.name.clone());
                self.count = *online;
            }
            EventKind::MemberLeft { user, online } => {
                self.online.remove(user);
                self.count = *online;
            }
            EventKind::MembersChanged {
                joined,
                left,
                online,
            } => {
                for member in joined {
                    self.online.insert(member.user, member.name.clone());
                }
                for user in left {
                    self.online.remove(user);
                }
                self.count = *online;
            }
            EventKind::MemberKicked { user, .. } | EventKind::MemberBanned { user, .. }
                if self.online.remove(user).is_some() =>
            {
                self.count -= 1;
            }
            _ => {}
        }
    }
}

/// Every member online, paged from the start.
fn page_all_online(room: &Room, limit: usize) -> Vec<MemberInfo> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = room.members_page(after, limit, true);
        all.extend(page.members);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

fn actual_view(room: &Room) -> ClientView {
    let online = room
        .members()
        .into_iter()
        .filter(|m| m.online)
        .map(|m| (m.user, m.name))
        .collect();
    let count = room.online_count() as u64;
    ClientView { online, count }
}

#[test]
fn a_welcome_in_a_room_of_a_thousand_lists_a_bounded_first_page() {
    let t = big_room();
    let snapshot = t.snapshot(t.now);
    assert_eq!(snapshot.member_count, CROWD + 2);
    let page = t.limits().snapshot_members;
    assert_eq!(snapshot.members.len(), page);
    let first: Vec<UserId> = snapshot.members.iter().take(3).map(|m| m.user).collect();
    assert_eq!(
        first,
        [CREATOR, ALICE, crowd_member(CROWD - 1)],
        "staff first, then the most recent arrivals"
    );
    let last = snapshot.members.last().map(|m| m.user);
    assert_eq!(last, Some(crowd_member(CROWD - page as u64 + 2)));
}

#[test]
fn paging_returns_every_member_exactly_once_while_members_come_and_go() {
    let mut t = big_room();
    let mut seen = Vec::new();
    let mut after = None;
    let mut round = 0;
    loop {
        let page = t.members_page(after, 64, false);
        seen.extend(page.members.iter().map(|m| m.user));
        // Members leave (still members) and newcomers arrive meanwhile.
        t.run(crowd_member(round), Leave).unwrap();
        t.join(UserId(50_000 + round));
        round += 1;
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let unique: BTreeSet<UserId> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a member listed twice");
    for user in [CREATOR, ALICE]
        .into_iter()
        .chain((0..CROWD).map(crowd_member))
    {
        assert!(unique.contains(&user), "{user} missing");
    }
    let online = page_all_online(&t, 500);
    assert_eq!(online.len(), t.online_count());
    assert!(online.iter().all(|m| m.online));
}

#[test]
fn a_page_is_capped_by_the_limits() {
    let t = big_room();
    let page = t.members_page(None, 1_000_000, false);
    assert_eq!(page.members.len(), t.limits().members_page);
    assert!(page.next_after.is_some());
    assert_eq!(t.members_page(None, 0, false).members.len(), 1);
}

#[test]
fn a_big_room_batches_presence_and_keeps_seqs_in_order() {
    let mut t = TestRoom::new();
    let mut events = Vec::new();
    for n in 0..CROWD {
        t.join(crowd_member(n));
        if n % 10 == 0 {
            let chat = SendChat {
                text: format!("hi {n}"),
                request_id: None,
            };
            t.run(crowd_member(n), chat).unwrap();
        }
        t.advance(5);
        events.extend(t.drain());
        if t.poll_timeout().is_some_and(|at| at <= t.now) {
            let now = t.now;
            t.handle_timeout(now);
            events.extend(t.drain());
        }
    }
    events.extend(settle(&mut t));
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<u64> = (seqs[0]..seqs[0] + seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "one seq per event, no gaps");
    let single = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MemberJoined { .. }))
        .count();
    let from = t.limits().presence_batch_from;
    // With the creator online, `from - 2` arrivals stay below the threshold.
    assert_eq!(single, from - 2, "one event each below the threshold");
    let batches = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MembersChanged { .. }))
        .count();
    assert!(
        batches > 0 && batches < (CROWD as usize - from) / 10,
        "{batches} batches"
    );
    let chats: Vec<&EventKind> = events
        .iter()
        .map(|e| &e.kind)
        .filter(|k| matches!(k, EventKind::Chat { .. }))
        .collect();
    assert_eq!(chats.len(), CROWD as usize / 10, "chat is never batched");
}

#[test]
fn a_welcome_plus_paging_plus_later_events_gives_the_members_online() {
    let mut t = big_room();
    // Changes are pending when the snapshot is taken: a member who comes
    // and goes inside one batch interval, a leave, an arrival.
    t.join(UserId(70_000));
    t.run(crowd_member(1), Leave).unwrap();
    let snapshot = t.snapshot(t.now);
    let after_seq = snapshot.seq;
    t.run(UserId(70_000), Leave).unwrap();
    t.join(UserId(70_001));
    t.run(
        CREATOR,
        Kick {
            user: crowd_member(2),
        },
    )
    .unwrap();
    // The client pages the rest after its welcome, while news is pending.
    let mut view = ClientView {
        count: snapshot.member_count,
        ..ClientView::default()
    };
    for member in snapshot.members.iter().chain(&page_all_online(&t, 100)) {
        view.online.insert(member.user, member.name.clone());
    }
    t.run(crowd_member(3), Leave).unwrap();
    for event in settle(&mut t).iter().filter(|e| e.seq > after_seq) {
        view.apply(&event.kind);
    }
    assert_eq!(view, actual_view(&t));
}

#[test]
fn a_room_that_shrinks_tells_departures_one_by_one_again() {
    let mut t = big_room();
    let mut view = ClientView {
        online: page_all_online(&t, 500)
            .into_iter()
            .map(|m| (m.user, m.name))
            .collect(),
        count: t.online_count() as u64,
    };
    for n in 0..CROWD {
        t.run(crowd_member(n), Leave).unwrap();
    }
    let events = settle(&mut t);
    let single = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MemberLeft { .. }))
        .count();
    let from = t.limits().presence_batch_from;
    // One event each from `from - 2` online down to the two staff.
    assert_eq!(single, from - 3);
    for event in &events {
        view.apply(&event.kind);
    }
    assert_eq!(view, actual_view(&t));
    assert_eq!(view.count, 2);
}
