//! The schema of each backend, embedded in the binary.
//!
//! The SQL lives in `migrations/sqlite` and `migrations/postgres`, one file
//! per version, applied in order and recorded by sqlx in
//! `_sqlx_migrations`. A released file is never edited: a change is a new
//! version, written for both backends. Versions need not be contiguous:
//! sqlx applies every listed version not yet recorded, in list order, so
//! a version merged below one already applied is applied on the next
//! start (versions must then not depend on each other's order).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::error::StoreError;
use crate::store::{Pool, Store};

/// One version: number, description, SQL.
type Version = (i64, &'static str, &'static str);

const SQLITE: &[Version] = &[
    (
        1,
        "initial",
        include_str!("../migrations/sqlite/0001_initial.sql"),
    ),
    (
        2,
        "stage accounting",
        include_str!("../migrations/sqlite/0002_stage_accounting.sql"),
    ),
    (
        3,
        "room writer fence",
        include_str!("../migrations/sqlite/0003_room_writer_fence.sql"),
    ),
];

const POSTGRES: &[Version] = &[
    (
        1,
        "initial",
        include_str!("../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "stage accounting",
        include_str!("../migrations/postgres/0002_stage_accounting.sql"),
    ),
    (
        3,
        "room writer fence",
        include_str!("../migrations/postgres/0003_room_writer_fence.sql"),
    ),
];

/// Migrations compiled into the binary, as sqlx wants them.
#[derive(Debug, Clone, Copy)]
struct Embedded(&'static [Version]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// Brings the store's schema up to the newest version.
pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    match &store.pool {
        Pool::Sqlite(pool) => migrator(SQLITE).await?.run(pool).await,
        Pool::Postgres(pool) => migrator(POSTGRES).await?.run(pool).await,
    }
    .map_err(StoreError::Migrate)
}

async fn migrator(versions: &'static [Version]) -> Result<Migrator, StoreError> {
    Migrator::new(Embedded(versions))
        .await
        .map_err(StoreError::Migrate)
}
