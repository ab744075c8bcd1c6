//! Runs each repository test on both backends, each on a fresh database.
//!
//! SQLite: a file in a new temporary directory. PostgreSQL: the server at
//! 127.0.0.1:5432 (user postgres, no password; `SYNCTV_TEST_POSTGRES`
//! overrides the server URL, without a database name). Every test creates
//! its own database `synctv_test_<unix secs>_<pid>_<n>` through the
//! `postgres` maintenance database and drops it afterwards, also when the
//! test fails; the first test of a run also drops databases of that
//! pattern older than an hour, left by runs that were killed.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::{Connection, Executor, PgConnection, Row};
use store::Store;

/// Server time of the tests' first event.
pub(crate) const T0: i64 = 1_700_000_000_000;

const PREFIX: &str = "synctv_test_";
const LEFTOVER_AGE_SECS: u64 = 3600;

static NEXT: AtomicU32 = AtomicU32::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

/// Defines `mod name { sqlite, postgres }` tests running `name(store)`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::support::run_sqlite(super::$name).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::support::run_postgres(super::$name).await;
            }
        }
    )*};
}

pub(crate) use on_both_backends;

fn unique_suffix() -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}_{}_{n}", unix_secs(), std::process::id())
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs `test` on a fresh SQLite file.
pub(crate) async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = std::env::temp_dir().join(format!("synctv-store-{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    let store = Store::open_sqlite(&dir.join("test.db"))
        .await
        .expect("open a SQLite store");
    let outcome = tokio::spawn(test(store.clone())).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn server_url() -> String {
    std::env::var("SYNCTV_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

async fn maintenance() -> PgConnection {
    let url = format!("{}/postgres", server_url());
    match PgConnection::connect(&url).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url}: {e}\n\
             The store's tests need a real server. scripts/test.sh starts the local one; \
             by hand: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
             (or set SYNCTV_TEST_POSTGRES=postgres://user@host:port)."
        ),
    }
}

/// Runs `test` on a fresh PostgreSQL database, dropped afterwards.
pub(crate) async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_postgres_with_url(|store, _url| test(store)).await;
}

/// [`run_postgres`] for tests that also need the database's URL (to reach
/// it without the store).
pub(crate) async fn run_postgres_with_url<F, Fut>(test: F)
where
    F: FnOnce(Store, String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut admin = maintenance().await;
    if !SWEPT.swap(true, Ordering::Relaxed) {
        drop_leftovers(&mut admin).await;
    }
    let name = format!("{PREFIX}{}", unique_suffix());
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .expect("create a test database");
    let url = format!("{}/{name}", server_url());
    let opened = Store::open_postgres(&url).await;
    let outcome = match opened {
        Ok(store) => {
            let outcome = tokio::spawn(test(store.clone(), url)).await;
            store.close().await;
            Some(outcome)
        }
        Err(e) => {
            eprintln!("opening the PostgreSQL store failed: {e:?}");
            None
        }
    };
    drop_database(&mut admin, &name).await;
    let _ = admin.close().await;
    match outcome {
        Some(Ok(())) => {}
        Some(Err(e)) => std::panic::resume_unwind(e.into_panic()),
        None => panic!("could not open the PostgreSQL store on {name}"),
    }
}

async fn drop_database(admin: &mut PgConnection, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    if let Err(e) = admin.execute(sql.as_str()).await {
        eprintln!("could not drop test database {name}: {e}");
    }
}

/// Drops test databases whose name says they are over an hour old.
async fn drop_leftovers(admin: &mut PgConnection) {
    let rows =
        sqlx::query("SELECT datname FROM pg_database WHERE datname LIKE 'synctv\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let now = unix_secs();
    for row in rows {
        let Ok(name) = row.try_get::<String, _>("datname") else {
            continue;
        };
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|secs| secs + LEFTOVER_AGE_SECS < now) {
            drop_database(admin, &name).await;
        }
    }
}

/// A path in a new temporary directory, for tests that open stores by hand.
pub(crate) fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("synctv-store-{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// A new room of `creator` (not yet joined), as `Room::new` makes it.
pub(crate) fn new_room(creator: room::UserId, settings: room::RoomSettings) -> room::Room {
    room::Room::new(
        creator,
        "creator",
        settings,
        room::RoomLimits::default(),
        T0,
    )
    .expect("valid room")
}

/// Stores a new account named `name` and returns its id.
pub(crate) async fn account(store: &Store, name: &str) -> room::UserId {
    use store::UserRepo;
    store
        .create_user(name, "h", T0)
        .await
        .expect("create user")
        .id
}
