use room::{RoomSettings, UserId, Visibility};
use store::{
    Entity, Page, RoomId, RoomRepo, RoomStateRepo, Stamp, Store, StoreError, StreamKeyRepo,
};

use crate::support::{account, new_room, on_both_backends, T0};

on_both_backends!(
    a_created_room_is_found_with_its_settings,
    public_rooms_list_newest_first_with_member_counts,
    deleting_a_room_removes_everything_it_holds,
    a_room_needs_an_existing_creator,
    the_room_password_hash_is_set_and_cleared,
    unknown_rooms_are_not_found,
);

async fn a_created_room_is_found_with_its_settings(store: Store) {
    let ada = account(&store, "ada").await;
    let settings = RoomSettings {
        visibility: Visibility::Hidden,
        guests_allowed: true,
        ..RoomSettings::new("movie night")
    };
    let room = new_room(ada, settings.clone());
    let created = store
        .create_room(ada, &room.saved(), None, T0)
        .await
        .unwrap();
    assert_eq!(created.creator, ada);
    assert_eq!(created.settings, settings);
    assert_eq!(created.created_at_ms, T0);
    assert_eq!(store.room(&created.id).await.unwrap(), created);
    assert_eq!(RoomId::parse(created.id.as_str()), Some(created.id.clone()));

    let other = store
        .create_room(ada, &room.saved(), None, T0)
        .await
        .unwrap();
    assert_ne!(other.id, created.id);
}

async fn public_rooms_list_newest_first_with_member_counts(store: Store) {
    let ada = account(&store, "ada").await;
    let bob = account(&store, "bob").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let room = new_room(ada, RoomSettings::new(format!("public {i}")));
        let created = store
            .create_room(ada, &room.saved(), None, T0 + i)
            .await
            .unwrap();
        ids.push(created.id);
    }
    let hidden = RoomSettings {
        visibility: Visibility::Hidden,
        ..RoomSettings::new("hidden")
    };
    store
        .create_room(ada, &new_room(ada, hidden).saved(), None, T0 + 10)
        .await
        .unwrap();
    let bob_joins = room::Member {
        user: bob,
        name: "bob".into(),
        role: room::Role::Member,
        custom_permissions: None,
        joined_at_ms: T0,
    };
    let stamp = Stamp { seq: 1, at_ms: T0 };
    store
        .upsert_member(&ids[0], &bob_joins, stamp)
        .await
        .unwrap();

    let listed = store.list_public_rooms(Page::first(10)).await.unwrap();
    let names: Vec<&str> = listed
        .iter()
        .map(|r| r.room.settings.name.as_str())
        .collect();
    assert_eq!(names, ["public 2", "public 1", "public 0"]);
    let members: Vec<u64> = listed.iter().map(|r| r.members).collect();
    assert_eq!(members, [1, 1, 2], "the creator is a member");

    let page = store
        .list_public_rooms(Page {
            offset: 2,
            limit: 5,
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].room.id, ids[0]);
}

async fn deleting_a_room_removes_everything_it_holds(store: Store) {
    let ada = account(&store, "ada").await;
    let created = store
        .create_room(
            ada,
            &new_room(ada, RoomSettings::new("r")).saved(),
            None,
            T0,
        )
        .await
        .unwrap();
    let key = store.stream_key(&created.id).await.unwrap();

    store.delete_room(&created.id).await.unwrap();
    assert!(store.room(&created.id).await.unwrap_err().is_not_found());
    assert!(store
        .load_room(&created.id)
        .await
        .unwrap_err()
        .is_not_found());
    let err = store.room_by_stream_key(key.as_str()).await.unwrap_err();
    assert!(matches!(
        err,
        StoreError::NotFound {
            what: Entity::StreamKey
        }
    ));
    assert!(store
        .delete_room(&created.id)
        .await
        .unwrap_err()
        .is_not_found());
}

async fn a_room_needs_an_existing_creator(store: Store) {
    let ghost = UserId(999);
    let saved = new_room(ghost, RoomSettings::new("r")).saved();
    let err = store
        .create_room(ghost, &saved, None, T0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound { what: Entity::User }),
        "{err:?}"
    );
}

async fn the_room_password_hash_is_set_and_cleared(store: Store) {
    let ada = account(&store, "ada").await;
    let saved = new_room(ada, RoomSettings::new("r")).saved();
    let created = store
        .create_room(ada, &saved, Some("hash1"), T0)
        .await
        .unwrap();
    let id = &created.id;
    assert_eq!(
        store.room_password_hash(id).await.unwrap().as_deref(),
        Some("hash1")
    );
    store
        .set_room_password(id, Some("hash2"), T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        store.room_password_hash(id).await.unwrap().as_deref(),
        Some("hash2")
    );
    store.set_room_password(id, None, T0 + 2).await.unwrap();
    assert_eq!(store.room_password_hash(id).await.unwrap(), None);
    assert_eq!(store.room(id).await.unwrap().updated_at_ms, T0 + 2);
}

async fn unknown_rooms_are_not_found(store: Store) {
    let id = RoomId::parse("nosuchroom").unwrap();
    let err = store.room(&id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: Entity::Room }));
    assert!(store
        .room_password_hash(&id)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(store
        .set_room_password(&id, None, T0)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(store.stream_key(&id).await.unwrap_err().is_not_found());
    assert!(store
        .rotate_stream_key(&id, T0)
        .await
        .unwrap_err()
        .is_not_found());
}
