//! Opening stores from URLs (SQLite only: PostgreSQL URLs are covered by
//! every PostgreSQL test), and stored values the domain rejects (both).

use sqlx::{Connection, Executor};
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
async fn a_stored_value_the_domain_does_not_know_is_a_typed_error_on_sqlite() {
    let dir = temp_dir();
    let path = dir.join("test.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let url = format!("sqlite://{}", path.display());
    let raw = sqlx::SqliteConnection::connect(&url).await.unwrap();
    corrupt_values_are_typed_errors(&store, Raw::Sqlite(raw)).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_stored_value_the_domain_does_not_know_is_a_typed_error_on_postgres() {
    crate::support::run_postgres_with_url(|store, url| async move {
        let raw = sqlx::PgConnection::connect(&url).await.unwrap();
        corrupt_values_are_typed_errors(&store, Raw::Postgres(raw)).await;
    })
    .await;
}

/// A connection to a store's database that bypasses the store.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Raw {
    async fn run(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => c.execute(sql).await.map(drop),
            Raw::Postgres(c) => c.execute(sql).await.map(drop),
        }
        .unwrap();
    }
}

/// Writes values the domain rejects behind the store's back (through
/// `raw`), and expects typed errors naming the column.
async fn corrupt_values_are_typed_errors(store: &Store, mut raw: Raw) {
    use store::{RoomRepo, RoomStateRepo};

    let ada = store.create_user("ada", "h", T0).await.unwrap().id;
    let saved = crate::support::new_room(ada, room::RoomSettings::new("r")).saved();
    let room = store.create_room(ada, &saved, None, T0).await.unwrap();

    raw.run("UPDATE room_members SET role = 'wizard'").await;
    let err = store.load_room(&room.id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { column: "role" }),
        "{err:?}"
    );

    raw.run("UPDATE room_members SET role = 'creator'").await;
    raw.run("UPDATE room_playback SET rate_milli = 0").await;
    let err = store.load_room(&room.id).await.unwrap_err();
    let rate = matches!(
        err,
        StoreError::Corrupt {
            column: "rate_milli"
        }
    );
    assert!(rate, "{err:?}");
}
