//! Site settings: a small key/value table.

use std::future::Future;

use crate::columns::Columns;
use crate::error::StoreError;
use crate::store::{on_pool, Store};

/// Site-wide key/value settings (values are text; JSON when structured).
pub trait SettingRepo {
    /// The value of `key`, if set.
    fn setting(&self, key: &str)
        -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Sets `key` to `value`, replacing any previous value.
    fn set_setting(
        &self,
        key: &str,
        value: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The value of `key`, setting it to `value` first if it has none. Of
    /// several callers at once (replicas starting together), the first to
    /// store wins and every caller gets that value.
    fn setting_or_insert(
        &self,
        key: &str,
        value: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

impl SettingRepo for Store {
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?;
            row.map(|row| row.text("value")).transpose()
        })
    }

    async fn set_setting(&self, key: &str, value: &str, now_ms: i64) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE \
                 SET value = excluded.value, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(key)
            .bind(value)
            .bind(now_ms)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    async fn setting_or_insert(
        &self,
        key: &str,
        value: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(value)
            .bind(now_ms)
            .execute(pool)
            .await?;
            let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(pool)
                .await?;
            row.text("value")
        })
    }
}
