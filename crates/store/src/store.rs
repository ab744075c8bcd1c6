//! The store handle: one pool of either backend, opened from a URL.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::StoreError;
use crate::migrations;

/// The file name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "synctv.db";

/// Connections kept to PostgreSQL by one replica.
const POSTGRES_CONNECTIONS: u32 = 10;
/// Connections to the SQLite file: one writer at a time, readers alongside.
const SQLITE_CONNECTIONS: u32 = 4;
/// How long a SQLite writer waits for another one before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// An embedded SQLite file (one instance).
    Sqlite,
    /// A PostgreSQL server (any number of replicas).
    Postgres,
}

impl Backend {
    /// The backend's name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// The storage handle: cheap to clone, shared by every task. It implements
/// the repository traits ([`crate::UserRepo`], [`crate::RoomRepo`], …) on
/// whichever backend it was opened with.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    /// Opens the store named by `database_url` and brings its schema up to
    /// date. No URL, or `sqlite:` alone, means the file
    /// [`SQLITE_FILE`] in `data_dir` (created if missing);
    /// `sqlite:PATH` names another file, `sqlite::memory:` an in-memory
    /// database; `postgres://…` (or `postgresql://…`) a PostgreSQL server.
    pub async fn open(database_url: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        match Target::parse(database_url, data_dir)? {
            Target::SqliteFile(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
                Self::open_sqlite(&path).await
            }
            Target::SqliteMemory => Self::open_sqlite_memory().await,
            Target::Postgres(url) => Self::open_postgres(url).await,
        }
    }

    /// Opens (creating if missing) the SQLite file at `path` and migrates it.
    pub async fn open_sqlite(path: &Path) -> Result<Self, StoreError> {
        let options = sqlite_options(SqliteConnectOptions::new().filename(path));
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_CONNECTIONS)
            .connect_with(options)
            .await?;
        Self::migrated(Pool::Sqlite(pool)).await
    }

    /// Opens a private in-memory SQLite database (gone when the store is
    /// dropped), migrated.
    pub async fn open_sqlite_memory() -> Result<Self, StoreError> {
        let options = sqlite_options(SqliteConnectOptions::new().in_memory(true));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(Pool::Sqlite(pool)).await
    }

    /// Connects to PostgreSQL at `url` (`postgres://user@host/db`) and
    /// migrates the database. Replicas that start together migrate once:
    /// the migrator holds an advisory lock.
    pub async fn open_postgres(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_CONNECTIONS)
            .connect_with(options)
            .await?;
        Self::migrated(Pool::Postgres(pool)).await
    }

    async fn migrated(pool: Pool) -> Result<Self, StoreError> {
        let store = Self { pool };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether the database answers (a trivial query).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Pool::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

fn sqlite_options(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
}

/// Where a database URL points.
#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    SqliteFile(PathBuf),
    SqliteMemory,
    Postgres(&'a str),
}

impl<'a> Target<'a> {
    fn parse(url: Option<&'a str>, data_dir: &Path) -> Result<Self, StoreError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Self::SqliteFile(data_dir.join(SQLITE_FILE)));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url));
        }
        let Some(rest) = url.strip_prefix("sqlite:") else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl {
                scheme: scheme.chars().take(32).collect(),
            });
        };
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let path = path.split('?').next().unwrap_or_default();
        Ok(match path {
            "" => Self::SqliteFile(data_dir.join(SQLITE_FILE)),
            ":memory:" => Self::SqliteMemory,
            path => Self::SqliteFile(PathBuf::from(path)),
        })
    }
}

/// Runs `$body` once per backend with `$pool` bound to the concrete pool.
/// The body is written once and compiled for both.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction bound to `$tx` (use `&mut *$tx` as
/// the executor), committing when the body completes. A `?` inside the
/// body returns early and rolls back. SQLite transactions begin
/// IMMEDIATE: a transaction that reads before it writes never finds its
/// snapshot stale at its first write.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Pool::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Runs `$body` in a read-only transaction bound to `$tx` that sees one
/// consistent snapshot of the database (SQLite: a deferred transaction in
/// WAL mode; PostgreSQL: REPEATABLE READ).
macro_rules! in_snapshot {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::store::Pool::Postgres(pool) => {
                let mut $tx = pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

pub(crate) use {in_snapshot, in_tx, on_pool};

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: Option<&str>) -> Result<Target<'_>, StoreError> {
        Target::parse(url, Path::new("/data"))
    }

    #[test]
    fn no_url_or_a_bare_sqlite_scheme_means_the_file_in_the_data_dir() {
        let default = Target::SqliteFile(PathBuf::from("/data/synctv.db"));
        assert_eq!(parse(None).unwrap(), default);
        assert_eq!(parse(Some("")).unwrap(), default);
        assert_eq!(parse(Some("sqlite:")).unwrap(), default);
        assert_eq!(parse(Some("sqlite://")).unwrap(), default);
    }

    #[test]
    fn sqlite_urls_name_a_file_or_memory() {
        let file = Target::SqliteFile(PathBuf::from("/tmp/x.db"));
        assert_eq!(parse(Some("sqlite:///tmp/x.db")).unwrap(), file);
        assert_eq!(parse(Some("sqlite:/tmp/x.db?mode=rwc")).unwrap(), file);
        assert_eq!(
            parse(Some("sqlite::memory:")).unwrap(),
            Target::SqliteMemory
        );
    }

    #[test]
    fn postgres_urls_pass_through() {
        let url = "postgres://u:secret@db/synctv";
        assert_eq!(parse(Some(url)).unwrap(), Target::Postgres(url));
        let url = "postgresql://db/synctv";
        assert_eq!(parse(Some(url)).unwrap(), Target::Postgres(url));
    }

    #[test]
    fn other_schemes_are_refused_without_echoing_the_url() {
        let err = parse(Some("mysql://u:secret@db/x")).unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedUrl { ref scheme } if scheme == "mysql"));
        assert!(!err.to_string().contains("secret"));
    }
}
