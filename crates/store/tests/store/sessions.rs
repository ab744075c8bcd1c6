use store::{Entity, SessionRepo, SessionToken, Store, StoreError, TokenHash, UserRepo};

use crate::support::{on_both_backends, T0};

on_both_backends!(
    a_session_authenticates_until_it_expires,
    a_revoked_session_no_longer_authenticates,
    revoking_all_of_a_users_sessions_leaves_other_users_logged_in,
    a_banned_users_session_does_not_authenticate,
    expired_sessions_are_deleted,
);

const HOUR: i64 = 3_600_000;

async fn login(store: &Store, name: &str) -> (store::User, SessionToken) {
    let user = store.create_user(name, "h", T0).await.unwrap();
    let token = SessionToken::generate().unwrap();
    store
        .create_session(user.id, &token.hash(), T0, T0 + HOUR)
        .await
        .unwrap();
    (user, token)
}

async fn a_session_authenticates_until_it_expires(store: Store) {
    let (user, token) = login(&store, "ada").await;
    let session = store.authenticate(&token.hash(), T0).await.unwrap();
    assert_eq!(session.user, user);
    assert_eq!(session.created_at_ms, T0);
    assert_eq!(session.expires_at_ms, T0 + HOUR);
    assert!(store
        .authenticate(&token.hash(), T0 + HOUR - 1)
        .await
        .is_ok());

    let err = store
        .authenticate(&token.hash(), T0 + HOUR)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::NotFound {
            what: Entity::Session
        }
    ));
    let forged = TokenHash::of("not a token");
    assert!(store
        .authenticate(&forged, T0)
        .await
        .unwrap_err()
        .is_not_found());
}

async fn a_revoked_session_no_longer_authenticates(store: Store) {
    let (_, token) = login(&store, "ada").await;
    assert!(store.revoke_session(&token.hash()).await.unwrap());
    assert!(store
        .authenticate(&token.hash(), T0)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(!store.revoke_session(&token.hash()).await.unwrap());
}

async fn revoking_all_of_a_users_sessions_leaves_other_users_logged_in(store: Store) {
    let (ada, first) = login(&store, "ada").await;
    let second = SessionToken::generate().unwrap();
    store
        .create_session(ada.id, &second.hash(), T0, T0 + HOUR)
        .await
        .unwrap();
    let (_, bobs) = login(&store, "bob").await;

    assert_eq!(store.revoke_user_sessions(ada.id).await.unwrap(), 2);
    assert!(store.authenticate(&first.hash(), T0).await.is_err());
    assert!(store.authenticate(&second.hash(), T0).await.is_err());
    assert!(store.authenticate(&bobs.hash(), T0).await.is_ok());
}

async fn a_banned_users_session_does_not_authenticate(store: Store) {
    let (ada, token) = login(&store, "ada").await;
    store.set_banned(ada.id, true).await.unwrap();
    assert!(store
        .authenticate(&token.hash(), T0)
        .await
        .unwrap_err()
        .is_not_found());
}

async fn expired_sessions_are_deleted(store: Store) {
    let (ada, old) = login(&store, "ada").await;
    let fresh = SessionToken::generate().unwrap();
    store
        .create_session(ada.id, &fresh.hash(), T0, T0 + 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(store.expire_sessions(T0 + HOUR).await.unwrap(), 1);
    assert_eq!(store.expire_sessions(T0 + HOUR).await.unwrap(), 0);
    assert!(
        !store.revoke_session(&old.hash()).await.unwrap(),
        "already gone"
    );
    assert!(store.authenticate(&fresh.hash(), T0 + HOUR).await.is_ok());
}
