//! Rooms as records: create, look up, list, delete, password.

use std::future::Future;

use room::{RoomSettings, SavedRoom, UserId};

use crate::columns::{u64_from_db, u64_to_db, user_from_db, user_to_db, Columns};
use crate::error::{Entity, StoreError};
use crate::ids::{Page, RoomId};
use crate::room_sql::{insert_contents, settings_args, settings_from_row, SETTINGS_COLUMNS};
use crate::secret::StreamKey;
use crate::sql::Stmt;
use crate::store::{on_pool, Store};

/// A room as listed and looked up (its state is loaded with
/// [`crate::RoomStateRepo::load_room`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomRecord {
    /// Its id.
    pub id: RoomId,
    /// Who created it.
    pub creator: UserId,
    /// Its settings.
    pub settings: RoomSettings,
    /// When it was created.
    pub created_at_ms: i64,
    /// When its stored state last changed.
    pub updated_at_ms: i64,
}

/// A room on the public list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    /// The room.
    pub room: RoomRecord,
    /// How many members it has (stored members, online or not).
    pub members: u64,
}

/// Rooms.
pub trait RoomRepo {
    /// Stores a new room made by `Room::new(creator, …)`: its record, its
    /// `saved()` state, the hash of its password if it has one, and a new
    /// stream key. The store chooses the room's id.
    fn create_room(
        &self,
        creator: UserId,
        saved: &SavedRoom,
        password_hash: Option<&str>,
        now_ms: i64,
    ) -> impl Future<Output = Result<RoomRecord, StoreError>> + Send;

    /// The room `id`.
    fn room(&self, id: &RoomId) -> impl Future<Output = Result<RoomRecord, StoreError>> + Send;

    /// Public rooms, newest first, with their member counts.
    fn list_public_rooms(
        &self,
        page: Page,
    ) -> impl Future<Output = Result<Vec<RoomSummary>, StoreError>> + Send;

    /// Deletes a room and everything it holds (members, bans, playlist,
    /// clock, chat, stream key).
    fn delete_room(&self, id: &RoomId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sets (`Some`, an argon2id hash) or removes the room's password. The
    /// caller also sends the room `UpdateSettings { has_password }` so the
    /// stored settings follow.
    fn set_room_password(
        &self,
        id: &RoomId,
        password_hash: Option<&str>,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The hash of the room's password, if it has one.
    fn room_password_hash(
        &self,
        id: &RoomId,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

const RECORD_COLUMNS: &str = "id, creator_id, name, has_password, visibility, guests_allowed, \
     admin_permissions, member_permissions, guest_permissions, created_at_ms, updated_at_ms";

fn record_from_row(row: &impl Columns) -> Result<RoomRecord, StoreError> {
    Ok(RoomRecord {
        id: RoomId::from_db(row.text("id")?),
        creator: user_from_db(row.int("creator_id")?),
        settings: settings_from_row(row)?,
        created_at_ms: row.int("created_at_ms")?,
        updated_at_ms: row.int("updated_at_ms")?,
    })
}

fn insert_room(
    id: &RoomId,
    creator: UserId,
    saved: &SavedRoom,
    password_hash: Option<&str>,
    now_ms: i64,
) -> Result<Stmt, StoreError> {
    let mut stmt = Stmt::new(format!(
        "INSERT INTO rooms (id, creator_id, password_hash, next_item_id, last_seq, \
         created_at_ms, updated_at_ms, {SETTINGS_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .text(id.as_str())
    .int(user_to_db(creator))
    .arg(crate::sql::Arg::OptText(password_hash.map(str::to_owned)))
    .int(u64_to_db(saved.next_item_id, "next_item_id")?)
    .int(u64_to_db(saved.seq, "seq")?)
    .int(now_ms);
    stmt.args.extend(settings_args(&saved.settings));
    Ok(stmt.unique(Entity::Room).references(Entity::User))
}

fn insert_stream_key(id: &RoomId, key: &StreamKey, now_ms: i64) -> Stmt {
    Stmt::new("INSERT INTO stream_keys (room_id, stream_key, rotated_at_ms) VALUES ($1, $2, $3)")
        .text(id.as_str())
        .text(key.as_str())
        .int(now_ms)
        .unique(Entity::StreamKey)
}

impl RoomRepo for Store {
    async fn create_room(
        &self,
        creator: UserId,
        saved: &SavedRoom,
        password_hash: Option<&str>,
        now_ms: i64,
    ) -> Result<RoomRecord, StoreError> {
        let id = RoomId::generate()?;
        let key = StreamKey::generate()?;
        let mut stmts = vec![
            insert_room(&id, creator, saved, password_hash, now_ms)?,
            insert_stream_key(&id, &key, now_ms),
        ];
        stmts.extend(insert_contents(&id, saved, now_ms)?);
        self.apply(&stmts).await?;
        Ok(RoomRecord {
            id,
            creator,
            settings: saved.settings.clone(),
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        })
    }

    async fn room(&self, id: &RoomId) -> Result<RoomRecord, StoreError> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM rooms WHERE id = $1");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(id.as_str())
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::Room))?;
            record_from_row(&row)
        })
    }

    async fn list_public_rooms(&self, page: Page) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS}, \
             (SELECT COUNT(*) FROM room_members m WHERE m.room_id = rooms.id) AS member_count \
             FROM rooms WHERE visibility = 'public' \
             ORDER BY created_at_ms DESC, id DESC LIMIT $1 OFFSET $2"
        );
        let (limit, offset) = page.bounds();
        on_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(RoomSummary {
                        room: record_from_row(row)?,
                        members: u64_from_db(row.int("member_count")?, "member_count")?,
                    })
                })
                .collect()
        })
    }

    async fn delete_room(&self, id: &RoomId) -> Result<(), StoreError> {
        let stmt = Stmt::new("DELETE FROM rooms WHERE id = $1")
            .text(id.as_str())
            .must_affect(Entity::Room);
        self.apply(&[stmt]).await
    }

    async fn set_room_password(
        &self,
        id: &RoomId,
        password_hash: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let stmt =
            Stmt::new("UPDATE rooms SET password_hash = $2, updated_at_ms = $3 WHERE id = $1")
                .text(id.as_str())
                .arg(crate::sql::Arg::OptText(password_hash.map(str::to_owned)))
                .int(now_ms)
                .must_affect(Entity::Room);
        self.apply(&[stmt]).await
    }

    async fn room_password_hash(&self, id: &RoomId) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT password_hash FROM rooms WHERE id = $1")
                .bind(id.as_str())
                .fetch_one(pool)
                .await
                .map_err(StoreError::row(Entity::Room))?;
            row.opt_text("password_hash")
        })
    }
}
