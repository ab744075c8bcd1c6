//! The room writer fence and the request ids stored with a room.

use room::{
    AppliedRequest, ChatMessage, ItemId, ItemSource, MediaKind, PlaylistItem, RequestId,
    RoomSettings, UserId,
};
use store::{RoomChange, RoomId, RoomRepo, RoomStateRepo, Stamp, Store, StoreError, WriterFence};

use crate::support::{account, new_room, on_both_backends, T0};

on_both_backends!(
    a_write_under_an_older_fence_is_refused_and_changes_nothing,
    request_ids_are_stored_with_the_changes_and_loaded_with_the_room,
    request_ids_older_than_the_age_limit_are_forgotten,
    a_full_save_keeps_the_request_ids_and_is_fenced_too,
);

async fn room(store: &Store) -> (RoomId, UserId) {
    let ada = account(store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let record = store.create_room(ada, &saved, None, T0).await.unwrap();
    (record.id, ada)
}

fn item(id: u64) -> PlaylistItem {
    PlaylistItem {
        id: ItemId(id),
        title: format!("item {id}"),
        source: ItemSource::Url {
            url: format!("https://media.test/{id}.mp4"),
            kind: MediaKind::Mp4,
        },
        duration_ms: None,
        added_by: None,
        added_at_ms: T0,
    }
}

fn applied(user: UserId, id: &str, seq: u64, at_ms: i64) -> AppliedRequest {
    AppliedRequest {
        user,
        request_id: RequestId::new(id).unwrap(),
        fingerprint: u64::MAX - seq,
        seq,
        events: 1,
        at_ms,
    }
}

fn stamp(seq: u64) -> Stamp {
    Stamp { seq, at_ms: T0 }
}

async fn a_write_under_an_older_fence_is_refused_and_changes_nothing(store: Store) {
    let (id, _) = room(&store).await;
    let old = store.take_writer_fence(&id).await.unwrap();
    let change = [RoomChange::Item(item(1))];
    store
        .write_room(&id, Some(old), stamp(10), &change)
        .await
        .unwrap();

    // Another replica becomes the writer.
    let new = store.take_writer_fence(&id).await.unwrap();
    assert!(new > old, "{new:?} after {old:?}");
    let late = [RoomChange::Item(item(2)), RoomChange::DeleteItem(ItemId(1))];
    let refused = store.write_room(&id, Some(old), stamp(20), &late).await;
    match refused {
        Err(StoreError::Fenced { ours, current }) => {
            assert_eq!((ours, current), (old.0, new.0));
        }
        other => panic!("the old writer's write was not fenced: {other:?}"),
    }
    let seq_only = store.write_room(&id, Some(old), stamp(30), &[]).await;
    assert!(seq_only.unwrap_err().is_fenced());

    let stored = store.load_room(&id).await.unwrap();
    let items: Vec<ItemId> = stored.playlist.iter().map(|i| i.id).collect();
    assert_eq!(items, [ItemId(1)], "the old writer changed the playlist");
    assert_eq!(stored.seq, 10, "the old writer moved the seq");

    let change = [RoomChange::Item(item(3))];
    store
        .write_room(&id, Some(new), stamp(40), &change)
        .await
        .unwrap();
    assert_eq!(store.load_room(&id).await.unwrap().playlist.len(), 2);

    let gone = RoomId::parse("nosuchroom").unwrap();
    let missing = store.write_room(&gone, Some(new), stamp(1), &[]).await;
    assert!(missing.unwrap_err().is_not_found());
    assert!(store
        .take_writer_fence(&gone)
        .await
        .unwrap_err()
        .is_not_found());
}

async fn request_ids_are_stored_with_the_changes_and_loaded_with_the_room(store: Store) {
    let (id, ada) = room(&store).await;
    let fence = store.take_writer_fence(&id).await.unwrap();
    let message = ChatMessage {
        seq: 5,
        user: ada,
        name: "ada".into(),
        text: "once".into(),
        at_ms: T0,
    };
    let first = applied(ada, "x", 5, T0);
    let changes = [
        RoomChange::Chat {
            message,
            keep_from: 5,
        },
        RoomChange::Request {
            applied: first.clone(),
            forget_before_ms: T0 - 600_000,
        },
    ];
    store
        .write_room(&id, Some(fence), stamp(5), &changes)
        .await
        .unwrap();
    let second = applied(ada, "y", 6, T0 + 1);
    let change = [RoomChange::Request {
        applied: second.clone(),
        forget_before_ms: T0 - 600_000,
    }];
    store
        .write_room(&id, Some(fence), stamp(6), &change)
        .await
        .unwrap();
    // A repeated write (after an error) leaves one row.
    store
        .write_room(&id, Some(fence), stamp(6), &change)
        .await
        .unwrap();

    let stored = store.load_room(&id).await.unwrap();
    assert_eq!(stored.requests, [first, second]);
    assert_eq!(stored.chat.len(), 1);

    // A refused write stores its request no more than its changes.
    store.take_writer_fence(&id).await.unwrap();
    let late = [RoomChange::Request {
        applied: applied(ada, "z", 7, T0 + 2),
        forget_before_ms: T0 - 600_000,
    }];
    let refused = store.write_room(&id, Some(fence), stamp(7), &late).await;
    assert!(refused.unwrap_err().is_fenced());
    assert_eq!(store.load_room(&id).await.unwrap().requests.len(), 2);
}

async fn request_ids_older_than_the_age_limit_are_forgotten(store: Store) {
    let (id, ada) = room(&store).await;
    let old = applied(ada, "old", 1, T0);
    let change = [RoomChange::Request {
        applied: old,
        forget_before_ms: T0 - 600_000,
    }];
    store
        .write_room(&id, None, stamp(1), &change)
        .await
        .unwrap();
    let later = T0 + 600_001;
    let new = applied(ada, "new", 2, later);
    let change = [RoomChange::Request {
        applied: new.clone(),
        forget_before_ms: later - 600_000,
    }];
    store
        .write_room(&id, None, stamp(2), &change)
        .await
        .unwrap();
    assert_eq!(store.load_room(&id).await.unwrap().requests, [new]);
}

async fn a_full_save_keeps_the_request_ids_and_is_fenced_too(store: Store) {
    let (id, ada) = room(&store).await;
    let fence = store.take_writer_fence(&id).await.unwrap();
    let mut saved = store.load_room(&id).await.unwrap();
    saved.requests = vec![applied(ada, "a", 3, T0), applied(ada, "b", 4, T0 + 5)];
    saved.seq = 4;
    store
        .save_room_fenced(&id, Some(fence), &saved, T0)
        .await
        .unwrap();
    assert_eq!(store.load_room(&id).await.unwrap(), saved);

    let newer = store.take_writer_fence(&id).await.unwrap();
    assert_eq!(newer, WriterFence(fence.0 + 1));
    let mut late = saved.clone();
    late.requests.clear();
    late.seq = 9;
    let refused = store.save_room_fenced(&id, Some(fence), &late, T0).await;
    assert!(refused.unwrap_err().is_fenced());
    assert_eq!(store.load_room(&id).await.unwrap(), saved);
}
