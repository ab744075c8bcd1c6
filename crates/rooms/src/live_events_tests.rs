//! The live bridge with a real hub, real storage (SQLite in memory) and
//! real room actors.

use std::time::Duration;

use live::{Live, LiveConfig, StaticKeys};
use room::{RoomLimits, RoomSettings, UserId};
use store::{RoomRepo, Store, UserRepo};

use super::*;
use crate::{Entry, RoomsConfig};

const NOW: i64 = 1_700_000_000_000;
const WAIT: Duration = Duration::from_secs(10);

async fn stored_room(store: &Store) -> (RoomId, UserId) {
    let user = store.create_user("host", "x", NOW).await.expect("user");
    let room = room::Room::new(
        user.id,
        "host",
        RoomSettings::new("live night"),
        RoomLimits::default(),
        NOW,
    )
    .expect("room");
    let record = store
        .create_room(user.id, &room.saved(), None, NOW)
        .await
        .expect("create room");
    (record.id, user.id)
}

fn live() -> Arc<Live> {
    Live::new(
        LiveConfig::default(),
        hub::HubConfig::default(),
        Arc::new(StaticKeys::new([])),
    )
}

async fn live_status(rooms: &Rooms, id: &RoomId) -> room::LiveStatus {
    rooms.read(id, |room, _| room.live()).await.expect("read")
}

/// Waits until the room's live status satisfies `ok`.
async fn until(rooms: &Rooms, id: &RoomId, what: &str, ok: impl Fn(&room::LiveStatus) -> bool) {
    let waited = async {
        loop {
            if ok(&live_status(rooms, id).await) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(WAIT, waited)
        .await
        .unwrap_or_else(|_| panic!("the room never saw: {what}"));
}

fn bridge(rooms: &Rooms, live: &Arc<Live>) -> watch::Sender<bool> {
    let (stop, stopping) = watch::channel(false);
    tokio::spawn(watch_live(rooms.clone(), live.clone(), stopping));
    stop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_room_hears_its_stream_start_its_viewers_and_its_end() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let rooms = Rooms::new(store, RoomsConfig::default());
    let _member = rooms.join(&id, &entry(host)).await.expect("join");
    let live = live();
    let _stop = bridge(&rooms, &live);

    let publisher = live.hub.publish(id.as_str()).await;
    until(&rooms, &id, "live", |s| s.live).await;
    let viewer = live
        .hub
        .subscribe(id.as_str(), Duration::ZERO)
        .await
        .expect("subscribe");
    until(&rooms, &id, "one viewer", |s| s.viewers == 1).await;
    drop(viewer);
    until(&rooms, &id, "no viewer", |s| s.viewers == 0).await;
    drop(publisher);
    until(&rooms, &id, "ended", |s| !s.live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_loaded_after_its_stream_started_knows_it_is_live_at_once() {
    let store = Store::open_sqlite_memory().await.expect("store");
    let (id, host) = stored_room(&store).await;
    let rooms = Rooms::new(store, RoomsConfig::default());
    let live = live();
    let _stop = bridge(&rooms, &live);
    let _publisher = live.hub.publish(id.as_str()).await;
    // Give the bridge time to have seen the start while the room was not
    // loaded (it is not told then).
    tokio::time::sleep(Duration::from_millis(50)).await;

    let _member = rooms.join(&id, &entry(host)).await.expect("join");
    // The room's first message already carries the status: no wait.
    assert!(live_status(&rooms, &id).await.live);
}

fn entry(user: UserId) -> Entry {
    Entry {
        user,
        name: "host".into(),
        guest: false,
        password_ok: false,
        last_seq: None,
    }
}
