//! Fenced room writes: the writer fence in SQL, and the changes of a
//! room's events written together in one transaction.
//!
//! A replica that becomes a room's writer takes the fence
//! ([`Store::take_writer_fence`]: the stored `writer_fence` goes up by
//! one) before it loads the room. Each of its writes names that fence in
//! the statement that opens the transaction (the room's `touch`), so once
//! a later writer has taken the fence, every write of the earlier one is
//! refused by the database with [`StoreError::Fenced`] and changes
//! nothing. The touch also locks the room's row, so a write and a fence
//! taken at the same time are ordered: the new writer either sees the
//! write in what it loads, or the write is refused.

use room::{
    AppliedRequest, ChatMessage, ItemId, Member, PlaybackClock, PlaylistItem, RoomSettings,
    SavedRoom, UserId,
};

use crate::columns::{u64_to_db, Columns};
use crate::error::{Entity, StoreError};
use crate::ids::{RoomId, Stamp};
use crate::room_sql;
use crate::room_state::reorder;
use crate::sql::{execute, Stmt};
use crate::store::{in_tx, Store};

/// A room writer's hold on the room in SQL, as [`Store::take_writer_fence`]
/// handed it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WriterFence(pub u64);

/// One change to a room's stored state: what one event (or an applied
/// request id) writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    /// The settings changed.
    Settings(RoomSettings),
    /// A member as it is now (guests are skipped). The user must have an
    /// account.
    Member(Member),
    /// A member was kicked.
    RemoveMember(UserId),
    /// A member was banned (at the write's time).
    Ban(UserId),
    /// A ban was lifted.
    Unban(UserId),
    /// An item was added at the end, or edited in place.
    Item(PlaylistItem),
    /// An item was removed.
    DeleteItem(ItemId),
    /// An item moved right after `after` (`None`: to the top).
    /// [`StoreError::NotFound`] on [`Entity::Item`] if either is not stored.
    MoveItem {
        /// The item moved.
        id: ItemId,
        /// The item it now follows.
        after: Option<ItemId>,
    },
    /// Every item was removed.
    ClearPlaylist,
    /// The playback clock changed.
    Playback(PlaybackClock),
    /// A chat message; the room's messages below `keep_from` are forgotten.
    Chat {
        /// The message.
        message: ChatMessage,
        /// The seq of the oldest message the room still shows.
        keep_from: u64,
    },
    /// A command applied under a client request id; stored requests older
    /// than `forget_before_ms` are forgotten.
    Request {
        /// The request.
        applied: AppliedRequest,
        /// The age limit of stored requests, as a time.
        forget_before_ms: i64,
    },
}

/// Runs the room's touch on `$tx`; if it changed no row, returns from
/// the enclosing function with why (the transaction rolls back).
macro_rules! touch_or_refuse {
    ($tx:ident, $touch:expr, $room:expr, $fence:expr) => {
        if execute!(&mut *$tx, $touch)? == 0 {
            let row = sqlx::query("SELECT writer_fence FROM rooms WHERE id = $1")
                .bind($room.as_str())
                .fetch_optional(&mut *$tx)
                .await?;
            let current = row.map(|r| r.int("writer_fence")).transpose()?;
            return Err(refusal($fence, current));
        }
    };
}

impl Store {
    /// Makes the caller the room's writer in SQL: raises the room's
    /// writer fence and returns it. Writes under any earlier fence are
    /// refused from now on. [`StoreError::NotFound`] if the room is gone.
    pub async fn take_writer_fence(&self, room: &RoomId) -> Result<WriterFence, StoreError> {
        let sql = "UPDATE rooms SET writer_fence = writer_fence + 1 WHERE id = $1 \
                   RETURNING writer_fence";
        in_tx!(self, |tx| {
            let row = sqlx::query(sql)
                .bind(room.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: Entity::Room })?;
            fence_from_db(row.int("writer_fence")?)
        })
    }

    /// Writes `changes` in order in one transaction, opened by the room's
    /// touch (`last_seq` up to `stamp.seq`). With a fence, the write is
    /// refused with [`StoreError::Fenced`] unless it is the room's current
    /// one. Idempotent, like every room-state write.
    pub async fn write_room(
        &self,
        room: &RoomId,
        fence: Option<WriterFence>,
        stamp: Stamp,
        changes: &[RoomChange],
    ) -> Result<(), StoreError> {
        let touch = room_sql::touch(room, stamp, fence.map(|f| f.0))?;
        in_tx!(self, |tx| {
            touch_or_refuse!(tx, &touch, room, fence);
            for change in changes {
                let stmts = match change {
                    RoomChange::MoveItem { id, after } => {
                        let rows = sqlx::query(
                            "SELECT item_id FROM playlist_items WHERE room_id = $1 \
                             ORDER BY position, item_id",
                        )
                        .bind(room.as_str())
                        .fetch_all(&mut *tx)
                        .await?;
                        let order = rows
                            .iter()
                            .map(|row| row.int("item_id"))
                            .collect::<Result<Vec<_>, _>>()?;
                        reorder(room, &order, *id, *after)?
                    }
                    other => change_stmts(room, stamp, other)?,
                };
                for stmt in &stmts {
                    execute!(&mut *tx, stmt)?;
                }
            }
            Ok(())
        })
    }

    /// Replaces everything stored of the room with `saved`, like
    /// [`crate::RoomStateRepo::save_room`], under `fence`.
    pub async fn save_room_fenced(
        &self,
        room: &RoomId,
        fence: Option<WriterFence>,
        saved: &SavedRoom,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let stamp = Stamp {
            seq: saved.seq,
            at_ms: now_ms,
        };
        let mut stmts = vec![room_sql::save_head(room, saved)?];
        stmts.push(room_sql::update_settings(room, &saved.settings));
        stmts.extend(room_sql::delete_contents(room));
        stmts.extend(room_sql::insert_contents(room, saved, now_ms)?);
        let touch = room_sql::touch(room, stamp, fence.map(|f| f.0))?;
        in_tx!(self, |tx| {
            touch_or_refuse!(tx, &touch, room, fence);
            for stmt in &stmts {
                execute!(&mut *tx, stmt)?;
            }
            Ok(())
        })
    }
}

/// Why a touch changed no row: the room is gone, or (with a fence) a later
/// writer holds it.
fn refusal(ours: Option<WriterFence>, current: Option<i64>) -> StoreError {
    match (ours, current.map(fence_from_db)) {
        (Some(ours), Some(Ok(current))) => StoreError::Fenced {
            ours: ours.0,
            current: current.0,
        },
        (_, Some(Err(e))) => e,
        _ => StoreError::NotFound { what: Entity::Room },
    }
}

fn fence_from_db(value: i64) -> Result<WriterFence, StoreError> {
    u64::try_from(value)
        .map(WriterFence)
        .map_err(|_| StoreError::Corrupt {
            column: "writer_fence",
        })
}

/// The statements of one change (all but a move, which reads first).
fn change_stmts(room: &RoomId, stamp: Stamp, change: &RoomChange) -> Result<Vec<Stmt>, StoreError> {
    Ok(match change {
        RoomChange::Settings(settings) => vec![room_sql::update_settings(room, settings)],
        RoomChange::Member(member) if room_sql::is_stored(member) => {
            vec![room_sql::upsert_member(room, member)]
        }
        RoomChange::Member(_) => Vec::new(),
        RoomChange::RemoveMember(user) => vec![room_sql::delete_member(room, *user)],
        RoomChange::Ban(user) => vec![
            room_sql::delete_member(room, *user),
            room_sql::insert_ban(room, *user, stamp.at_ms),
        ],
        RoomChange::Unban(user) => vec![room_sql::delete_ban(room, *user)],
        RoomChange::Item(item) => vec![
            room_sql::upsert_item(room, item)?,
            room_sql::reserve_item_id(room, item.id)?,
        ],
        RoomChange::DeleteItem(id) => {
            vec![
                Stmt::new("DELETE FROM playlist_items WHERE room_id = $1 AND item_id = $2")
                    .text(room.as_str())
                    .int(u64_to_db(id.0, "item_id")?),
            ]
        }
        RoomChange::MoveItem { .. } => Vec::new(),
        RoomChange::ClearPlaylist => {
            vec![Stmt::new("DELETE FROM playlist_items WHERE room_id = $1").text(room.as_str())]
        }
        RoomChange::Playback(clock) => vec![room_sql::save_playback(room, clock)?],
        RoomChange::Chat { message, keep_from } => {
            room_sql::append_chat(room, message, *keep_from)?.into()
        }
        RoomChange::Request {
            applied,
            forget_before_ms,
        } => vec![
            room_sql::upsert_request(room, applied)?,
            Stmt::new("DELETE FROM room_requests WHERE room_id = $1 AND at_ms < $2")
                .text(room.as_str())
                .int(*forget_before_ms),
        ],
    })
}

/// A fingerprint as the column holds it: the same 64 bits, signed.
pub(crate) fn fingerprint_to_db(fingerprint: u64) -> i64 {
    i64::from_be_bytes(fingerprint.to_be_bytes())
}

pub(crate) fn fingerprint_from_db(value: i64) -> u64 {
    u64::from_be_bytes(value.to_be_bytes())
}
