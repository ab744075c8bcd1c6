//! Two replicas in one process: two `Rooms` over the same storage and the
//! same in-process cluster seams, with different node ids.

use std::time::Duration;

use cluster::{Cluster, ClusterConfig, NodeInfo, NodeLoad, Timing};
use room::{RequestId, Room, RoomCommand, RoomLimits, RoomSettings, SendChat, UserId};
use store::{RoomId, RoomRepo, Store, UserRepo};
use tokio::sync::mpsc;
use wire::pb::server_message::Kind;

use crate::{Closing, Entry, Member, Replicas, Rooms, RoomsConfig, Shared};

pub(super) const NOW: i64 = 1_700_000_000_000;
pub(super) const WAIT: Duration = Duration::from_secs(10);

pub(super) fn timing() -> Timing {
    Timing {
        ttl: Duration::from_secs(3),
        refresh_every: Duration::from_secs(1),
        check_every: Duration::from_millis(200),
    }
}

/// The seams of node `id`, sharing `base`'s state.
pub(super) async fn node(base: &Cluster, id: &str) -> Replicas {
    let mut cluster = base.clone();
    cluster.config.node_id = id.to_owned();
    announce(&cluster, id).await;
    Replicas::new(cluster)
}

pub(super) async fn announce(cluster: &Cluster, id: &str) {
    let info = NodeInfo {
        id: id.to_owned(),
        http_addr: String::new(),
        rtmp_addr: String::new(),
        started_at: 0,
        load: NodeLoad::default(),
    };
    cluster
        .nodes
        .announce(&info, Duration::from_secs(600))
        .await
        .expect("announce");
}

pub(super) struct Setup {
    pub(super) store: Store,
    pub(super) cluster: Cluster,
    pub(super) room: RoomId,
    pub(super) host: UserId,
}

pub(super) async fn setup() -> Setup {
    let store = Store::open_sqlite_memory().await.expect("store");
    setup_with(store, timing()).await
}

/// A room in `store`, and in-process cluster seams with `timing`.
pub(super) async fn setup_with(store: Store, timing: Timing) -> Setup {
    let host = store.create_user("host", "x", NOW).await.expect("user").id;
    let room = Room::new(
        host,
        "host",
        RoomSettings::new("movie night"),
        RoomLimits::default(),
        NOW,
    )
    .expect("new room");
    let room = store
        .create_room(host, &room.saved(), None, NOW)
        .await
        .expect("create room")
        .id;
    let mut config = ClusterConfig::new("base");
    config.timing = timing;
    let cluster = Cluster::memory(config);
    Setup {
        store,
        cluster,
        room,
        host,
    }
}

impl Setup {
    pub(super) async fn replica(&self, id: &str) -> Rooms {
        let replicas = node(&self.cluster, id).await;
        Rooms::clustered(self.store.clone(), RoomsConfig::default(), replicas)
    }

    pub(super) async fn user(&self, name: &str) -> UserId {
        self.store
            .create_user(name, "x", NOW)
            .await
            .expect("user")
            .id
    }
}

pub(super) fn entry(user: UserId, last_seq: Option<u64>) -> Entry {
    Entry {
        user,
        name: format!("u{}", user.0),
        guest: false,
        password_ok: false,
        last_seq,
    }
}

pub(super) fn chat(text: &str, request_id: &str) -> RoomCommand {
    SendChat {
        text: text.to_owned(),
        request_id: Some(RequestId::new(request_id.to_owned()).expect("request id")),
    }
    .into()
}

pub(super) async fn join(rooms: &Rooms, room: &RoomId, entry: &Entry) -> Member {
    tokio::time::timeout(WAIT, rooms.join(room, entry))
        .await
        .expect("the join was never answered")
        .expect("the join was refused")
}

/// The chat texts a member received, in order, until it has `count`.
pub(super) async fn chats(member: &mut Member, count: usize) -> Vec<(u64, String)> {
    let mut seen = Vec::new();
    let wait = async {
        while seen.len() < count {
            let Some(message) = member.queue.recv().await else {
                break;
            };
            if let Some(Kind::Chat(chat)) = &message.message().kind {
                seen.push((message.seq(), chat.text.clone()));
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, wait).await;
    seen
}

/// Every message that comes within `quiet` of the previous one.
pub(super) async fn drain(queue: &mut mpsc::Receiver<Shared>, quiet: Duration) -> Vec<Shared> {
    let mut out = Vec::new();
    while let Ok(Some(message)) = tokio::time::timeout(quiet, queue.recv()).await {
        out.push(message);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_two_replicas_see_the_same_events_in_the_same_order() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let guest = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(guest, None)).await;
    let welcome = on_b.first.first().expect("a welcome on the follower");
    assert!(matches!(welcome.message().kind, Some(Kind::Welcome(_))));

    // Five chats each: within the chat rate of one member.
    let sends = (0..10).map(|i| {
        let (rooms, room, conn, user) = if i % 2 == 0 {
            (a.clone(), s.room.clone(), on_a.conn, s.host)
        } else {
            (b.clone(), s.room.clone(), on_b.conn, guest)
        };
        tokio::spawn(async move {
            let command = chat(&format!("m{i}"), &format!("r{i}"));
            rooms
                .command(&room, conn, user, command, format!("r{i}"))
                .await
        })
    });
    for send in sends.collect::<Vec<_>>() {
        send.await.expect("task").expect("command sent");
    }
    let seen_a = chats(&mut on_a, 10).await;
    let seen_b = chats(&mut on_b, 10).await;
    assert_eq!(
        seen_a.len(),
        10,
        "the writer's member missed chats: {seen_a:?}"
    );
    assert_eq!(seen_a, seen_b, "the replicas saw different sequences");
    assert!(
        seen_a.windows(2).all(|w| w[0].0 < w[1].0),
        "seqs not increasing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_retried_through_a_follower_applies_once_and_is_acked_twice() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let guest = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(guest, None)).await;
    for _ in 0..2 {
        let command = chat("once", "same-id");
        b.command(&s.room, on_b.conn, guest, command, "same-id".into())
            .await
            .expect("command sent");
    }
    let messages = drain(&mut on_b.queue, Duration::from_secs(2)).await;
    let acks: Vec<bool> = messages
        .iter()
        .filter_map(|m| match &m.message().kind {
            Some(Kind::Ack(ack)) if ack.request_id == "same-id" => Some(ack.replayed),
            _ => None,
        })
        .collect();
    assert_eq!(acks, vec![false, true], "one apply, one replayed ack");
    let chats_b = messages
        .iter()
        .filter(|m| matches!(m.message().kind, Some(Kind::Chat(_))))
        .count();
    assert_eq!(chats_b, 1, "the follower's member saw the chat once");
    let chats_a = drain(&mut on_a.queue, Duration::from_millis(300))
        .await
        .iter()
        .filter(|m| matches!(m.message().kind, Some(Kind::Chat(_))))
        .count();
    assert_eq!(chats_a, 1, "the writer's member saw the chat once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_writer_node_dies_a_follower_takes_the_room_and_members_resume() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let guest = s.user("ann").await;
    let _on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(guest, None)).await;
    b.command(&s.room, on_b.conn, guest, chat("before", "r1"), "r1".into())
        .await
        .expect("command sent");
    let before = chats(&mut on_b, 1).await;
    assert_eq!(before.len(), 1, "the chat before the death never came");
    let last_seq = drain(&mut on_b.queue, Duration::from_millis(300))
        .await
        .iter()
        .map(|m| m.seq())
        .fold(before[0].0, u64::max);

    s.cluster.nodes.withdraw("a").await.expect("withdraw");
    let closing = tokio::time::timeout(WAIT, &mut on_b.closed)
        .await
        .expect("the follower never noticed the writer died")
        .expect("closed");
    assert_eq!(closing, Closing::TooSlow, "members are asked to resume");

    let mut again = join(&b, &s.room, &entry(guest, Some(last_seq))).await;
    let holder = s
        .cluster
        .room_writers
        .holder(s.room.as_str())
        .await
        .expect("holder");
    assert_eq!(holder.map(|h| h.lease.node).as_deref(), Some("b"));
    b.command(&s.room, again.conn, guest, chat("after", "r2"), "r2".into())
        .await
        .expect("command sent");
    let after = chats(&mut again, 1).await;
    assert_eq!(after.len(), 1, "the new writer did not apply the chat");
    assert!(
        after[0].0 > last_seq,
        "the new writer reused a seq: {after:?} <= {last_seq}"
    );
    let history = b
        .read(&s.room, |room, _| room.chat_history(None, 10).len())
        .await
        .expect("read");
    assert_eq!(history, 2, "the chat stored before the death is kept");
}

/// Waits until `member` is told `user` left; false if it never is.
async fn sees_leave(member: &mut Member, user: UserId) -> bool {
    let wait = async {
        while let Some(message) = member.queue.recv().await {
            if let Some(Kind::MemberLeft(left)) = &message.message().kind {
                if left.user_id == user.0 {
                    return true;
                }
            }
        }
        false
    };
    tokio::time::timeout(WAIT, wait).await.unwrap_or(false)
}

#[tokio::test]
async fn members_on_a_replica_that_died_leave_the_room_at_its_writer() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let guest = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let on_b = join(&b, &s.room, &entry(guest, None)).await;

    // The replica's record is gone (it died); its connection, here still
    // open, can tell the writer nothing any more.
    s.cluster.nodes.withdraw("b").await.expect("withdraw");
    assert!(
        sees_leave(&mut on_a, guest).await,
        "the member on the dead replica never left"
    );
    drop(on_b);
}

/// The live status events a member receives within `wait`.
async fn live_events(member: &mut Member, count: usize) -> Vec<bool> {
    let mut seen = Vec::new();
    let wait = async {
        while seen.len() < count {
            let Some(message) = member.queue.recv().await else {
                break;
            };
            if let Some(Kind::LiveStatus(status)) = &message.message().kind {
                seen.push(status.live);
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, wait).await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writer_learns_of_a_stream_published_on_another_replica_from_its_lease() {
    let s = setup().await;
    let (a, _b) = (s.replica("a").await, s.replica("b").await);
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let claim = s
        .cluster
        .streams
        .claim(s.room.as_str(), "b", "publisher")
        .await
        .expect("claim");
    let cluster::Claim::Granted(lease) = claim else {
        panic!("the stream lease was not granted: {claim:?}");
    };
    assert_eq!(live_events(&mut on_a, 1).await, vec![true], "no live start");
    s.cluster.streams.release(&lease).await.expect("release");
    assert_eq!(live_events(&mut on_a, 1).await, vec![false], "no live end");
}

/// An audience whose count the test sets.
#[derive(Debug, Default)]
struct Counted(std::sync::atomic::AtomicU64);

impl crate::Audience for Counted {
    fn viewers<'a>(&'a self, _room: &'a str) -> crate::ViewerCountFuture<'a> {
        let count = self.0.load(std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move { Some(count) })
    }
}

/// The viewer counts a member receives until it has seen `last`.
async fn counts_until(member: &mut Member, last: u64) -> Vec<u64> {
    let mut seen = Vec::new();
    let wait = async {
        while let Some(message) = member.queue.recv().await {
            if let Some(Kind::ViewerCount(count)) = &message.message().kind {
                seen.push(count.viewers);
                if count.viewers == last {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(WAIT, wait).await;
    seen
}

#[tokio::test]
async fn the_writer_tells_every_replica_the_audience_count_when_it_changes() {
    let s = setup().await;
    let (a, b) = (s.replica("a").await, s.replica("b").await);
    let audience = std::sync::Arc::new(Counted::default());
    a.set_audience(audience.clone());
    b.set_audience(audience.clone());
    let guest = s.user("ann").await;
    let mut on_a = join(&a, &s.room, &entry(s.host, None)).await;
    let mut on_b = join(&b, &s.room, &entry(guest, None)).await;

    for count in [3, 7] {
        audience.0.store(count, std::sync::atomic::Ordering::SeqCst);
        let told = counts_until(&mut on_a, count).await;
        assert_eq!(told, vec![count], "told once, on change");
        assert_eq!(counts_until(&mut on_b, count).await, vec![count]);
    }
}
