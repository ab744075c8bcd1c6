//! Loading a whole room's stored state as a `room::SavedRoom`.

use room::SavedRoom;

use crate::columns::{u64_from_db, user_from_db, Columns};
use crate::error::{Entity, StoreError};
use crate::ids::RoomId;
use crate::room_sql::{
    chat_from_row, clock_from_row, item_from_row, member_from_row, request_from_row,
    settings_from_row, SETTINGS_COLUMNS,
};
use crate::store::{in_snapshot, Store};

/// The newest stored request ids loaded with a room (rate limits keep a
/// room far below this within the 10 minutes they are kept).
const REQUESTS_LOADED: i64 = 4096;

/// The rows of one room, as read in one snapshot.
struct Rows<R> {
    head: R,
    members: Vec<R>,
    bans: Vec<R>,
    items: Vec<R>,
    playback: Option<R>,
    chat: Vec<R>,
    requests: Vec<R>,
}

impl Store {
    /// Reads every part of a room in one consistent snapshot.
    pub(crate) async fn load_saved_room(&self, room: &RoomId) -> Result<SavedRoom, StoreError> {
        let head_sql = format!(
            "SELECT {SETTINGS_COLUMNS}, next_item_id, last_seq, updated_at_ms \
             FROM rooms WHERE id = $1"
        );
        let id = room.as_str();
        in_snapshot!(self, |tx| {
            let head = sqlx::query(&head_sql)
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::row(Entity::Room))?;
            let members = sqlx::query(
                "SELECT user_id, name, role, permissions, joined_at_ms FROM room_members \
                 WHERE room_id = $1 ORDER BY user_id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let bans = sqlx::query("SELECT user_id FROM room_bans WHERE room_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            let items = sqlx::query(
                "SELECT item_id, title, source, url, media_kind, duration_ms, added_by, \
                 added_at_ms FROM playlist_items WHERE room_id = $1 ORDER BY position, item_id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let playback = sqlx::query(
                "SELECT item_id, playing, position_ms, at_ms, rate_milli FROM room_playback \
                 WHERE room_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let chat = sqlx::query(
                "SELECT seq, user_id, name, body, at_ms FROM chat_messages \
                 WHERE room_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let requests = sqlx::query(
                "SELECT user_id, request_id, fingerprint, seq, events, at_ms FROM room_requests \
                 WHERE room_id = $1 ORDER BY at_ms DESC LIMIT $2",
            )
            .bind(id)
            .bind(REQUESTS_LOADED)
            .fetch_all(&mut *tx)
            .await?;
            assemble(Rows {
                head,
                members,
                bans,
                items,
                playback,
                chat,
                requests,
            })
        })
    }
}

/// Decodes the rows into the room's stored form, in the order the room
/// itself keeps: members and bans by user id, the playlist by position,
/// chat by seq.
fn assemble<R: Columns>(rows: Rows<R>) -> Result<SavedRoom, StoreError> {
    let head = &rows.head;
    let clock = match &rows.playback {
        Some(row) => clock_from_row(row)?,
        None => room::PlaybackClock::idle(head.int("updated_at_ms")?),
    };
    let mut banned: Vec<_> = rows
        .bans
        .iter()
        .map(|row| row.int("user_id").map(user_from_db))
        .collect::<Result<_, _>>()?;
    banned.sort();
    let mut members: Vec<_> = rows
        .members
        .iter()
        .map(member_from_row)
        .collect::<Result<_, _>>()?;
    members.sort_by_key(|m| m.user);
    Ok(SavedRoom {
        settings: settings_from_row(head)?,
        members,
        banned,
        playlist: rows
            .items
            .iter()
            .map(item_from_row)
            .collect::<Result<_, _>>()?,
        next_item_id: u64_from_db(head.int("next_item_id")?, "next_item_id")?,
        clock,
        chat: rows
            .chat
            .iter()
            .map(chat_from_row)
            .collect::<Result<_, _>>()?,
        requests: rows
            .requests
            .iter()
            .rev()
            .map(request_from_row)
            .collect::<Result<_, _>>()?,
        seq: u64_from_db(head.int("last_seq")?, "last_seq")?,
    })
}
