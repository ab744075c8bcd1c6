use room::RoomSettings;
use store::{RoomRepo, Store, StreamKeyRepo};

use crate::support::{account, new_room, on_both_backends, T0};

on_both_backends!(
    a_room_is_found_by_its_stream_key,
    a_rotated_key_replaces_the_old_one,
);

async fn a_room_is_found_by_its_stream_key(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let first = store.create_room(ada, &saved, None, T0).await.unwrap();
    let second = store.create_room(ada, &saved, None, T0).await.unwrap();
    let key1 = store.stream_key(&first.id).await.unwrap();
    let key2 = store.stream_key(&second.id).await.unwrap();
    assert_ne!(key1, key2);
    assert_eq!(
        store.room_by_stream_key(key1.as_str()).await.unwrap(),
        first.id
    );
    assert_eq!(
        store.room_by_stream_key(key2.as_str()).await.unwrap(),
        second.id
    );
    assert!(store
        .room_by_stream_key("wrong")
        .await
        .unwrap_err()
        .is_not_found());
}

async fn a_rotated_key_replaces_the_old_one(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();
    let old = store.stream_key(&room.id).await.unwrap();
    let new = store.rotate_stream_key(&room.id, T0 + 1).await.unwrap();
    assert_ne!(old, new);
    assert_eq!(store.stream_key(&room.id).await.unwrap(), new);
    assert_eq!(
        store.room_by_stream_key(new.as_str()).await.unwrap(),
        room.id
    );
    assert!(store
        .room_by_stream_key(old.as_str())
        .await
        .unwrap_err()
        .is_not_found());
}
