//! Login sessions, stored by the hash of their token.

use std::future::Future;

use room::UserId;

use crate::columns::{user_to_db, Columns};
use crate::error::{Entity, StoreError};
use crate::secret::TokenHash;
use crate::store::{on_pool, Store};
use crate::users::{user_from_row, User};

/// A session that authenticated: whose it is and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account, as it is now.
    pub user: User,
    /// When the session was created.
    pub created_at_ms: i64,
    /// When it stops authenticating.
    pub expires_at_ms: i64,
}

/// Login sessions. The client holds a [`crate::SessionToken`]; the store
/// holds only its [`TokenHash`].
pub trait SessionRepo {
    /// Records a session for `user` valid until `expires_at_ms`.
    fn create_session(
        &self,
        user: UserId,
        token: &TokenHash,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session of `token` if it authenticates at `now_ms`: it exists,
    /// has not expired and its account is not banned. Otherwise
    /// [`StoreError::NotFound`].
    fn authenticate(
        &self,
        token: &TokenHash,
        now_ms: i64,
    ) -> impl Future<Output = Result<Session, StoreError>> + Send;

    /// Ends one session (logout). Whether it existed.
    fn revoke_session(
        &self,
        token: &TokenHash,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends every session of `user`. How many there were.
    fn revoke_user_sessions(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes sessions expired at `now_ms`. How many.
    fn expire_sessions(&self, now_ms: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

impl SessionRepo for Store {
    async fn create_session(
        &self,
        user: UserId,
        token: &TokenHash,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&token.as_bytes()[..])
            .bind(user_to_db(user))
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(pool)
            .await
            .map_err(StoreError::unique(Entity::Session))?;
            Ok(())
        })
    }

    async fn authenticate(&self, token: &TokenHash, now_ms: i64) -> Result<Session, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT u.id, u.username, u.is_admin, u.banned, u.created_at_ms, \
                        s.created_at_ms AS session_created_at_ms, s.expires_at_ms \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND u.banned = FALSE",
            )
            .bind(&token.as_bytes()[..])
            .bind(now_ms)
            .fetch_one(pool)
            .await
            .map_err(StoreError::row(Entity::Session))?;
            Ok(Session {
                user: user_from_row(&row)?,
                created_at_ms: row.int("session_created_at_ms")?,
                expires_at_ms: row.int("expires_at_ms")?,
            })
        })
    }

    async fn revoke_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        on_pool!(self, |pool| {
            let deleted = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&token.as_bytes()[..])
                .execute(pool)
                .await?
                .rows_affected();
            Ok(deleted > 0)
        })
    }

    async fn revoke_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            let deleted = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_to_db(user))
                .execute(pool)
                .await?
                .rows_affected();
            Ok(deleted)
        })
    }

    async fn expire_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1")
                .bind(now_ms)
                .execute(pool)
                .await?
                .rows_affected();
            Ok(deleted)
        })
    }
}
