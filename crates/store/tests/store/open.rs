//! Opening stores from URLs (SQLite only: PostgreSQL URLs are covered by
//! every PostgreSQL test).

use store::{Backend, Store, StoreError, UserRepo, SQLITE_FILE};

use crate::support::{temp_dir, T0};

#[tokio::test]
async fn no_url_opens_the_sqlite_file_in_the_data_dir() {
    let dir = temp_dir().join("data");
    let store = Store::open(None, &dir).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store.create_user("ada", "h", T0).await.unwrap();
    store.close().await;
    assert!(dir.join(SQLITE_FILE).exists());

    let again = Store::open(Some("sqlite:"), &dir).await.unwrap();
    assert_eq!(again.user_count().await.unwrap(), 1, "migrations ran once");
    again.close().await;
    let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
}

#[tokio::test]
async fn an_in_memory_store_works_and_an_unknown_scheme_is_refused() {
    let dir = temp_dir();
    let store = Store::open(Some("sqlite::memory:"), &dir).await.unwrap();
    store.create_user("ada", "h", T0).await.unwrap();
    assert_eq!(store.user_count().await.unwrap(), 1);
    let err = Store::open(Some("mysql://x"), &dir).await.unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl { .. }));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_stored_value_the_domain_does_not_know_is_a_typed_error() {
    use sqlx::{Connection, Executor};
    use store::{RoomRepo, RoomStateRepo};

    let dir = temp_dir();
    let path = dir.join("test.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let ada = store.create_user("ada", "h", T0).await.unwrap().id;
    let saved = crate::support::new_room(ada, room::RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();

    let url = format!("sqlite://{}", path.display());
    let mut raw = sqlx::SqliteConnection::connect(&url).await.unwrap();
    raw.execute("UPDATE room_members SET role = 'wizard'")
        .await
        .unwrap();
    let err = store.load_room(&room.id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { column: "role" }),
        "{err:?}"
    );

    raw.execute(
        "UPDATE room_members SET role = 'creator'; UPDATE room_playback SET rate_milli = 0",
    )
    .await
    .unwrap();
    let err = store.load_room(&room.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Corrupt {
                column: "rate_milli"
            }
        ),
        "{err:?}"
    );
    raw.close().await.unwrap();
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
