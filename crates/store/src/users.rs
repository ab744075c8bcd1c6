//! Accounts: creation (the first one becomes admin), lookups, bans.

use std::future::Future;

use room::UserId;

use crate::columns::{user_from_db, user_to_db, Columns};
use crate::error::{Entity, StoreError};
use crate::ids::Page;
use crate::store::{in_tx, on_pool, Store};

/// The settings key claimed, in the same transaction, by the account that
/// becomes the first admin. Reserved: do not write it through
/// [`crate::SettingRepo`].
pub const FIRST_ADMIN_KEY: &str = "accounts.first_admin";

/// An account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id (also the room layer's [`UserId`]).
    pub id: UserId,
    /// The name as registered (case kept).
    pub username: String,
    /// Whether it administers the site.
    pub is_admin: bool,
    /// Whether it is banned (it cannot authenticate).
    pub banned: bool,
    /// When it registered.
    pub created_at_ms: i64,
}

/// An account with its password hash, for login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Its argon2id PHC string (check with [`crate::password::verify`]).
    pub password_hash: String,
}

/// Accounts.
pub trait UserRepo {
    /// Creates an account. Usernames are unique regardless of case
    /// ([`StoreError::Conflict`] otherwise). The first account ever
    /// created becomes admin; two first registrations at once make one
    /// admin, never two.
    fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// The account `id`.
    fn user(&self, id: UserId) -> impl Future<Output = Result<User, StoreError>> + Send;

    /// The account named `username`, in any case.
    fn user_by_name(&self, username: &str)
        -> impl Future<Output = Result<User, StoreError>> + Send;

    /// The account named `username` with its password hash.
    fn credentials(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Credentials, StoreError>> + Send;

    /// Accounts in registration order.
    fn list_users(&self, page: Page) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Bans or unbans an account. A ban also revokes every session of the
    /// account, so unbanning does not revive old logins.
    fn set_banned(
        &self,
        id: UserId,
        banned: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces an account's password hash (sessions are left alone).
    fn set_password_hash(
        &self,
        id: UserId,
        password_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// How many accounts exist.
    fn user_count(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// The key that makes usernames unique regardless of case.
fn username_key(username: &str) -> String {
    username.to_lowercase()
}

const USER_COLUMNS: &str = "id, username, is_admin, banned, created_at_ms";

pub(crate) fn user_from_row(row: &impl Columns) -> Result<User, StoreError> {
    Ok(User {
        id: user_from_db(row.int("id")?),
        username: row.text("username")?,
        is_admin: row.flag("is_admin")?,
        banned: row.flag("banned")?,
        created_at_ms: row.int("created_at_ms")?,
    })
}

impl UserRepo for Store {
    async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<User, StoreError> {
        let key = username_key(username);
        in_tx!(self, |tx| {
            let row = sqlx::query(
                "INSERT INTO users (username, username_key, password_hash, created_at_ms) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(username)
            .bind(&key)
            .bind(password_hash)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await
            .map_err(StoreError::unique(Entity::User))?;
            let id = row.int("id")?;
            // Whoever inserts the claim first is the first admin; a rival
            // transaction waits on the key and then finds it taken.
            let claimed = sqlx::query(
                "INSERT INTO settings (key, value, updated_at_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(FIRST_ADMIN_KEY)
            .bind(id.to_string())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if claimed {
                sqlx::query("UPDATE users SET is_admin = TRUE WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(User {
                id: user_from_db(id),
                username: username.to_owned(),
                is_admin: claimed,
                banned: false,
                created_at_ms: now_ms,
            })
        })
    }

    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(user_to_db(id))
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::User))?;
            user_from_row(&row)
        })
    }

    async fn user_by_name(&self, username: &str) -> Result<User, StoreError> {
        Ok(self.credentials(username).await?.user)
    }

    async fn credentials(&self, username: &str) -> Result<Credentials, StoreError> {
        let sql =
            format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username_key = $1");
        let key = username_key(username);
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(&key)
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::User))?;
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.text("password_hash")?,
            })
        })
    }

    async fn list_users(&self, page: Page) -> Result<Vec<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2");
        let (limit, offset) = page.bounds();
        on_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            rows.iter().map(user_from_row).collect()
        })
    }

    async fn set_banned(&self, id: UserId, banned: bool) -> Result<(), StoreError> {
        let id = user_to_db(id);
        in_tx!(self, |tx| {
            let updated = sqlx::query("UPDATE users SET banned = $2 WHERE id = $1")
                .bind(id)
                .bind(banned)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                return Err(StoreError::not_found(Entity::User));
            }
            if banned {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok(())
        })
    }

    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            let updated = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_to_db(id))
                .bind(password_hash)
                .execute(pool)
                .await?
                .rows_affected();
            match updated {
                0 => Err(StoreError::not_found(Entity::User)),
                _ => Ok(()),
            }
        })
    }

    async fn user_count(&self) -> Result<u64, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
                .fetch_one(pool)
                .await?;
            crate::columns::u64_from_db(row.int("n")?, "n")
        })
    }
}
