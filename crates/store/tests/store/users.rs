use room::UserId;
use store::{Entity, Page, SessionRepo, SessionToken, Store, StoreError, UserRepo};

use crate::support::{on_both_backends, T0};

on_both_backends!(
    the_first_user_becomes_admin_and_later_ones_do_not,
    concurrent_first_registrations_make_exactly_one_admin,
    a_second_user_with_the_same_name_is_a_conflict,
    users_are_found_by_id_and_by_name_in_any_case,
    unknown_users_are_not_found,
    credentials_carry_the_password_hash,
    users_list_in_pages_and_are_counted,
    a_ban_revokes_every_session_of_the_user,
);

async fn the_first_user_becomes_admin_and_later_ones_do_not(store: Store) {
    let first = store.create_user("ada", "h1", T0).await.unwrap();
    let second = store.create_user("bob", "h2", T0 + 1).await.unwrap();
    assert!(first.is_admin);
    assert!(!second.is_admin);
    assert!(store.user(first.id).await.unwrap().is_admin);
    assert!(!store.user(second.id).await.unwrap().is_admin);
}

async fn concurrent_first_registrations_make_exactly_one_admin(store: Store) {
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_user(&format!("u{i}"), "h", T0).await })
        })
        .collect();
    let mut admins = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_admin {
            admins += 1;
        }
    }
    assert_eq!(admins, 1);
    let listed = store.list_users(Page::first(100)).await.unwrap();
    assert_eq!(listed.iter().filter(|u| u.is_admin).count(), 1);
}

async fn a_second_user_with_the_same_name_is_a_conflict(store: Store) {
    store.create_user("Alice", "h", T0).await.unwrap();
    for name in ["Alice", "alice", "ALICE"] {
        let err = store.create_user(name, "h", T0).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { what: Entity::User }),
            "{name}: {err:?}"
        );
    }
    assert_eq!(store.user_count().await.unwrap(), 1);
}

async fn users_are_found_by_id_and_by_name_in_any_case(store: Store) {
    let created = store.create_user("Grace", "h", T0).await.unwrap();
    assert_eq!(created.username, "Grace");
    assert_eq!(created.created_at_ms, T0);
    assert_eq!(store.user(created.id).await.unwrap(), created);
    assert_eq!(store.user_by_name("grace").await.unwrap(), created);
    assert_eq!(store.user_by_name("GRACE").await.unwrap(), created);
}

async fn unknown_users_are_not_found(store: Store) {
    let err = store.user(UserId(404)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: Entity::User }));
    assert!(store
        .user_by_name("nobody")
        .await
        .unwrap_err()
        .is_not_found());
    assert!(store
        .credentials("nobody")
        .await
        .unwrap_err()
        .is_not_found());
    assert!(store
        .set_banned(UserId(404), true)
        .await
        .unwrap_err()
        .is_not_found());
    let err = store.set_password_hash(UserId(404), "h").await.unwrap_err();
    assert!(err.is_not_found());
}

async fn credentials_carry_the_password_hash(store: Store) {
    let hash = store::password::hash("hunter22").unwrap();
    let user = store.create_user("carol", &hash, T0).await.unwrap();
    let found = store.credentials("Carol").await.unwrap();
    assert_eq!(found.user, user);
    assert!(store::password::verify("hunter22", &found.password_hash).unwrap());

    store.set_password_hash(user.id, "new").await.unwrap();
    assert_eq!(
        store.credentials("carol").await.unwrap().password_hash,
        "new"
    );
}

async fn users_list_in_pages_and_are_counted(store: Store) {
    for i in 0..5 {
        store
            .create_user(&format!("user{i}"), "h", T0 + i)
            .await
            .unwrap();
    }
    assert_eq!(store.user_count().await.unwrap(), 5);
    let names = |users: Vec<store::User>| -> Vec<String> {
        users.into_iter().map(|u| u.username).collect()
    };
    let first = store.list_users(Page::first(2)).await.unwrap();
    assert_eq!(names(first), ["user0", "user1"]);
    let rest = store
        .list_users(Page {
            offset: 2,
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(names(rest), ["user2", "user3", "user4"]);
}

async fn a_ban_revokes_every_session_of_the_user(store: Store) {
    let user = store.create_user("mallory", "h", T0).await.unwrap();
    let token = SessionToken::generate().unwrap();
    store
        .create_session(user.id, &token.hash(), T0, T0 + 60_000)
        .await
        .unwrap();

    store.set_banned(user.id, true).await.unwrap();
    assert!(store.user(user.id).await.unwrap().banned);
    assert!(store.authenticate(&token.hash(), T0).await.is_err());

    store.set_banned(user.id, false).await.unwrap();
    assert!(!store.user(user.id).await.unwrap().banned);
    let err = store.authenticate(&token.hash(), T0).await.unwrap_err();
    assert!(err.is_not_found(), "an unban does not revive old sessions");
}
