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
