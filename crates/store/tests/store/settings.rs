use store::{SettingRepo, Store};

use crate::support::{on_both_backends, T0};

on_both_backends!(settings_are_set_replaced_and_read);

async fn settings_are_set_replaced_and_read(store: Store) {
    assert_eq!(store.setting("site.name").await.unwrap(), None);
    store.set_setting("site.name", "synctv", T0).await.unwrap();
    assert_eq!(
        store.setting("site.name").await.unwrap().as_deref(),
        Some("synctv")
    );
    store
        .set_setting("site.name", "watch", T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        store.setting("site.name").await.unwrap().as_deref(),
        Some("watch")
    );
}

on_both_backends!(the_first_value_stored_wins_for_every_caller_at_once);

async fn the_first_value_stored_wins_for_every_caller_at_once(store: Store) {
    let callers: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .setting_or_insert("play.secret", &format!("secret-{i}"), T0)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut seen = Vec::new();
    for caller in callers {
        seen.push(caller.await.unwrap());
    }
    let stored = store.setting("play.secret").await.unwrap().unwrap();
    assert!(seen.iter().all(|s| *s == stored), "{seen:?} vs {stored}");
    assert_eq!(
        store
            .setting_or_insert("play.secret", "later", T0 + 1)
            .await
            .unwrap(),
        stored,
        "a value already stored is kept"
    );
}
