//! The room state as rows: statements that write it, decoders that read
//! it back. Shared by room creation, full saves and incremental writes.

use room::{
    AppliedRequest, ChatMessage, ItemId, ItemSource, Member, PlaybackClock, PlaylistItem, Rate,
    RequestId, Role, RoomSettings, UserId,
};

use crate::columns::{
    media_kind_from_db, permissions_from_db, permissions_to_db, role_from_db, u64_from_db,
    u64_to_db, user_from_db, user_to_db, visibility_from_db, visibility_to_db, Columns,
};
use crate::error::{Entity, StoreError};
use crate::ids::{RoomId, Stamp};
use crate::room_write::{fingerprint_from_db, fingerprint_to_db};
use crate::sql::{insert_rows, Arg, Stmt};

/// Chat messages kept per room (the room's default history).
pub const CHAT_KEPT: usize = 500;

/// Columns of `rooms` that hold the settings, in the order of
/// [`settings_args`].
pub(crate) const SETTINGS_COLUMNS: &str = "name, has_password, visibility, guests_allowed, \
     admin_permissions, member_permissions, guest_permissions";

pub(crate) fn settings_args(settings: &RoomSettings) -> Vec<Arg> {
    vec![
        Arg::Text(settings.name.clone()),
        Arg::Flag(settings.has_password),
        Arg::Text(visibility_to_db(settings.visibility).to_owned()),
        Arg::Flag(settings.guests_allowed),
        Arg::Int(permissions_to_db(settings.admin_permissions)),
        Arg::Int(permissions_to_db(settings.member_permissions)),
        Arg::Int(permissions_to_db(settings.guest_permissions)),
    ]
}

pub(crate) fn settings_from_row(row: &impl Columns) -> Result<RoomSettings, StoreError> {
    Ok(RoomSettings {
        name: row.text("name")?,
        has_password: row.flag("has_password")?,
        visibility: visibility_from_db(&row.text("visibility")?)?,
        guests_allowed: row.flag("guests_allowed")?,
        admin_permissions: permissions_from_db(row.int("admin_permissions")?, "admin_permissions")?,
        member_permissions: permissions_from_db(
            row.int("member_permissions")?,
            "member_permissions",
        )?,
        guest_permissions: permissions_from_db(row.int("guest_permissions")?, "guest_permissions")?,
    })
}

/// Records that the room reached `stamp`: `last_seq` never goes down.
/// Without a fence, fails with not found when the room does not exist;
/// with one, changes no row unless it is the room's writer fence (the
/// caller tells why).
pub(crate) fn touch(room: &RoomId, stamp: Stamp, fence: Option<u64>) -> Result<Stmt, StoreError> {
    let set = "UPDATE rooms SET last_seq = CASE WHEN last_seq < $2 THEN $2 ELSE last_seq END, \
         updated_at_ms = $3 WHERE id = $1";
    let stmt = |sql: String| -> Result<Stmt, StoreError> {
        Ok(Stmt::new(sql)
            .text(room.as_str())
            .int(u64_to_db(stamp.seq, "seq")?)
            .int(stamp.at_ms))
    };
    match fence {
        None => Ok(stmt(set.to_owned())?.must_affect(Entity::Room)),
        Some(fence) => Ok(
            stmt(format!("{set} AND writer_fence = $4"))?.int(u64_to_db(fence, "writer_fence")?)
        ),
    }
}

/// The `rooms` columns a full save sets: next item id and seq as saved.
pub(crate) fn save_head(room: &RoomId, saved: &room::SavedRoom) -> Result<Stmt, StoreError> {
    Ok(
        Stmt::new("UPDATE rooms SET next_item_id = $2, last_seq = $3 WHERE id = $1")
            .text(room.as_str())
            .int(u64_to_db(saved.next_item_id, "next_item_id")?)
            .int(u64_to_db(saved.seq, "seq")?),
    )
}

const REQUEST_HEAD: &str =
    "room_requests (room_id, user_id, request_id, fingerprint, seq, events, at_ms)";

fn request_args(room: &RoomId, applied: &AppliedRequest) -> Result<Vec<Arg>, StoreError> {
    Ok(vec![
        Arg::Text(room.as_str().to_owned()),
        Arg::Int(user_to_db(applied.user)),
        Arg::Text(applied.request_id.to_string()),
        Arg::Int(fingerprint_to_db(applied.fingerprint)),
        Arg::Int(u64_to_db(applied.seq, "seq")?),
        Arg::Int(u64_to_db(applied.events, "events")?),
        Arg::Int(applied.at_ms),
    ])
}

pub(crate) fn upsert_request(room: &RoomId, applied: &AppliedRequest) -> Result<Stmt, StoreError> {
    let mut stmt = Stmt::new(format!(
        "INSERT INTO {REQUEST_HEAD} VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (room_id, user_id, request_id) DO UPDATE SET \
         fingerprint = excluded.fingerprint, seq = excluded.seq, events = excluded.events, \
         at_ms = excluded.at_ms"
    ));
    stmt.args = request_args(room, applied)?;
    Ok(stmt)
}

pub(crate) fn request_from_row(row: &impl Columns) -> Result<AppliedRequest, StoreError> {
    let request_id = RequestId::new(row.text("request_id")?).map_err(|_| StoreError::Corrupt {
        column: "request_id",
    })?;
    Ok(AppliedRequest {
        user: user_from_db(row.int("user_id")?),
        request_id,
        fingerprint: fingerprint_from_db(row.int("fingerprint")?),
        seq: u64_from_db(row.int("seq")?, "seq")?,
        events: u64_from_db(row.int("events")?, "events")?,
        at_ms: row.int("at_ms")?,
    })
}

pub(crate) fn update_settings(room: &RoomId, settings: &RoomSettings) -> Stmt {
    let mut stmt = Stmt::new(
        "UPDATE rooms SET name = $2, has_password = $3, visibility = $4, guests_allowed = $5, \
         admin_permissions = $6, member_permissions = $7, guest_permissions = $8 WHERE id = $1",
    )
    .text(room.as_str());
    stmt.args.extend(settings_args(settings));
    stmt.must_affect(Entity::Room)
}

/// Guests are never stored: they have no account and are forgotten when
/// they leave.
pub(crate) fn is_stored(member: &Member) -> bool {
    member.role != Role::Guest
}

fn member_args(room: &RoomId, member: &Member) -> Vec<Arg> {
    vec![
        Arg::Text(room.as_str().to_owned()),
        Arg::Int(user_to_db(member.user)),
        Arg::Text(member.name.clone()),
        Arg::Text(member.role.as_str().to_owned()),
        Arg::OptInt(member.custom_permissions.map(permissions_to_db)),
        Arg::Int(member.joined_at_ms),
    ]
}

const MEMBER_HEAD: &str = "room_members (room_id, user_id, name, role, permissions, joined_at_ms)";

pub(crate) fn upsert_member(room: &RoomId, member: &Member) -> Stmt {
    let mut stmt = Stmt::new(format!(
        "INSERT INTO {MEMBER_HEAD} VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (room_id, user_id) DO UPDATE SET name = excluded.name, \
         role = excluded.role, permissions = excluded.permissions, \
         joined_at_ms = excluded.joined_at_ms"
    ));
    stmt.args = member_args(room, member);
    stmt.references(Entity::User)
}

pub(crate) fn member_from_row(row: &impl Columns) -> Result<Member, StoreError> {
    let custom = row
        .opt_int("permissions")?
        .map(|bits| permissions_from_db(bits, "permissions"))
        .transpose()?;
    Ok(Member {
        user: user_from_db(row.int("user_id")?),
        name: row.text("name")?,
        role: role_from_db(&row.text("role")?)?,
        custom_permissions: custom,
        joined_at_ms: row.int("joined_at_ms")?,
    })
}

pub(crate) fn delete_member(room: &RoomId, user: UserId) -> Stmt {
    Stmt::new("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2")
        .text(room.as_str())
        .int(user_to_db(user))
}

pub(crate) fn insert_ban(room: &RoomId, user: UserId, at_ms: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO room_bans (room_id, user_id, banned_at_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (room_id, user_id) DO NOTHING",
    )
    .text(room.as_str())
    .int(user_to_db(user))
    .int(at_ms)
}

pub(crate) fn delete_ban(room: &RoomId, user: UserId) -> Stmt {
    Stmt::new("DELETE FROM room_bans WHERE room_id = $1 AND user_id = $2")
        .text(room.as_str())
        .int(user_to_db(user))
}

/// The item's columns after `room_id, item_id, position`.
fn item_args(item: &PlaylistItem) -> Result<Vec<Arg>, StoreError> {
    let (source, url, kind) = match &item.source {
        ItemSource::Url { url, kind } => ("url", Some(url.clone()), Some(kind.as_str())),
        ItemSource::Live => ("live", None, None),
    };
    let duration = item
        .duration_ms
        .map(|d| u64_to_db(d, "duration_ms"))
        .transpose()?;
    Ok(vec![
        Arg::Text(item.title.clone()),
        Arg::Text(source.to_owned()),
        Arg::OptText(url),
        Arg::OptText(kind.map(str::to_owned)),
        Arg::OptInt(duration),
        Arg::OptInt(item.added_by.map(user_to_db)),
        Arg::Int(item.added_at_ms),
    ])
}

const ITEM_HEAD: &str = "playlist_items (room_id, item_id, position, title, source, url, \
     media_kind, duration_ms, added_by, added_at_ms)";

/// Adds the item at the end of the playlist, or updates it in place.
pub(crate) fn upsert_item(room: &RoomId, item: &PlaylistItem) -> Result<Stmt, StoreError> {
    let mut stmt = Stmt::new(format!(
        "INSERT INTO {ITEM_HEAD} VALUES ($1, $2, \
         (SELECT COALESCE(MAX(position), -1) + 1 FROM playlist_items WHERE room_id = $1), \
         $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (room_id, item_id) DO UPDATE SET title = excluded.title, \
         source = excluded.source, url = excluded.url, media_kind = excluded.media_kind, \
         duration_ms = excluded.duration_ms"
    ))
    .text(room.as_str())
    .int(u64_to_db(item.id.0, "item_id")?);
    stmt.args.extend(item_args(item)?);
    Ok(stmt)
}

/// Keeps `next_item_id` above every item id handed out.
pub(crate) fn reserve_item_id(room: &RoomId, id: ItemId) -> Result<Stmt, StoreError> {
    Ok(Stmt::new(
        "UPDATE rooms SET next_item_id = CASE WHEN next_item_id <= $2 THEN $2 + 1 \
         ELSE next_item_id END WHERE id = $1",
    )
    .text(room.as_str())
    .int(u64_to_db(id.0, "item_id")?))
}

pub(crate) fn item_from_row(row: &impl Columns) -> Result<PlaylistItem, StoreError> {
    let source = match row.text("source")?.as_str() {
        "live" => ItemSource::Live,
        "url" => ItemSource::Url {
            url: row
                .opt_text("url")?
                .ok_or(StoreError::Corrupt { column: "url" })?,
            kind: media_kind_from_db(&row.opt_text("media_kind")?.ok_or(StoreError::Corrupt {
                column: "media_kind",
            })?)?,
        },
        _ => return Err(StoreError::Corrupt { column: "source" }),
    };
    let duration = row
        .opt_int("duration_ms")?
        .map(|d| u64_from_db(d, "duration_ms"))
        .transpose()?;
    Ok(PlaylistItem {
        id: ItemId(u64_from_db(row.int("item_id")?, "item_id")?),
        title: row.text("title")?,
        source,
        duration_ms: duration,
        added_by: row.opt_int("added_by")?.map(user_from_db),
        added_at_ms: row.int("added_at_ms")?,
    })
}

pub(crate) fn save_playback(room: &RoomId, clock: &PlaybackClock) -> Result<Stmt, StoreError> {
    let item = clock.item.map(|i| u64_to_db(i.0, "item_id")).transpose()?;
    // A position beyond i64 is centuries of media: store the cap.
    let position = i64::try_from(clock.position_ms).unwrap_or(i64::MAX);
    Ok(Stmt::new(
        "INSERT INTO room_playback (room_id, item_id, playing, position_ms, at_ms, rate_milli) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (room_id) DO UPDATE SET \
         item_id = excluded.item_id, playing = excluded.playing, \
         position_ms = excluded.position_ms, at_ms = excluded.at_ms, \
         rate_milli = excluded.rate_milli",
    )
    .text(room.as_str())
    .arg(Arg::OptInt(item))
    .arg(Arg::Flag(clock.playing))
    .int(position)
    .int(clock.at_ms)
    .int(i64::from(clock.rate.milli()))
    .references(Entity::Room))
}

pub(crate) fn clock_from_row(row: &impl Columns) -> Result<PlaybackClock, StoreError> {
    let milli = u32::try_from(row.int("rate_milli")?).map_err(|_| StoreError::Corrupt {
        column: "rate_milli",
    })?;
    Ok(PlaybackClock {
        item: row
            .opt_int("item_id")?
            .map(|i| u64_from_db(i, "item_id").map(ItemId))
            .transpose()?,
        playing: row.flag("playing")?,
        position_ms: u64_from_db(row.int("position_ms")?, "position_ms")?,
        at_ms: row.int("at_ms")?,
        rate: Rate::from_milli(milli).map_err(|_| StoreError::Corrupt {
            column: "rate_milli",
        })?,
    })
}

fn chat_args(room: &RoomId, message: &ChatMessage) -> Result<Vec<Arg>, StoreError> {
    Ok(vec![
        Arg::Text(room.as_str().to_owned()),
        Arg::Int(u64_to_db(message.seq, "seq")?),
        Arg::Int(user_to_db(message.user)),
        Arg::Text(message.name.clone()),
        Arg::Text(message.text.clone()),
        Arg::Int(message.at_ms),
    ])
}

const CHAT_HEAD: &str = "chat_messages (room_id, seq, user_id, name, body, at_ms)";

/// Appends a message (a repeated append is a no-op) and forgets the room's
/// messages below `keep_from`.
pub(crate) fn append_chat(
    room: &RoomId,
    message: &ChatMessage,
    keep_from: u64,
) -> Result<[Stmt; 2], StoreError> {
    let mut insert = Stmt::new(format!(
        "INSERT INTO {CHAT_HEAD} VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (room_id, seq) DO NOTHING"
    ));
    insert.args = chat_args(room, message)?;
    let trim = Stmt::new("DELETE FROM chat_messages WHERE room_id = $1 AND seq < $2")
        .text(room.as_str())
        .int(u64_to_db(keep_from.min(message.seq), "seq")?);
    Ok([insert, trim])
}

pub(crate) fn chat_from_row(row: &impl Columns) -> Result<ChatMessage, StoreError> {
    Ok(ChatMessage {
        seq: u64_from_db(row.int("seq")?, "seq")?,
        user: user_from_db(row.int("user_id")?),
        name: row.text("name")?,
        text: row.text("body")?,
        at_ms: row.int("at_ms")?,
    })
}

/// Statements that write every part of a saved room below the `rooms`
/// row (which must exist): members, bans, playlist, clock and chat. Parts
/// already stored are not deleted here.
pub(crate) fn insert_contents(
    room: &RoomId,
    saved: &room::SavedRoom,
    now_ms: i64,
) -> Result<Vec<Stmt>, StoreError> {
    let members = saved.members.iter().filter(|m| is_stored(m));
    let members = members.map(|m| member_args(room, m)).collect();
    let bans = saved.banned.iter().map(|&user| {
        vec![
            Arg::Text(room.as_str().to_owned()),
            Arg::Int(user_to_db(user)),
            Arg::Int(now_ms),
        ]
    });
    let mut items = Vec::with_capacity(saved.playlist.len());
    for (position, item) in saved.playlist.iter().enumerate() {
        let mut row = vec![
            Arg::Text(room.as_str().to_owned()),
            Arg::Int(u64_to_db(item.id.0, "item_id")?),
            Arg::Int(i64::try_from(position).unwrap_or(i64::MAX)),
        ];
        row.extend(item_args(item)?);
        items.push(row);
    }
    let skip = saved.chat.len().saturating_sub(CHAT_KEPT);
    let chat = saved.chat[skip..]
        .iter()
        .map(|m| chat_args(room, m))
        .collect::<Result<_, _>>()?;
    let mut stmts: Vec<Stmt> = insert_rows(MEMBER_HEAD, 6, members)
        .into_iter()
        .map(|stmt| stmt.references(Entity::User))
        .collect();
    stmts.extend(insert_rows(
        "room_bans (room_id, user_id, banned_at_ms)",
        3,
        bans.collect(),
    ));
    stmts.extend(insert_rows(ITEM_HEAD, 10, items));
    stmts.extend(insert_rows(CHAT_HEAD, 6, chat));
    let requests = saved
        .requests
        .iter()
        .map(|r| request_args(room, r))
        .collect::<Result<_, _>>()?;
    stmts.extend(insert_rows(REQUEST_HEAD, 7, requests));
    stmts.push(save_playback(room, &saved.clock)?);
    Ok(stmts)
}

/// Deletes every part of a room below the `rooms` row.
pub(crate) fn delete_contents(room: &RoomId) -> Vec<Stmt> {
    [
        "room_members",
        "room_bans",
        "playlist_items",
        "chat_messages",
        "room_requests",
    ]
    .into_iter()
    .map(|table| Stmt::new(format!("DELETE FROM {table} WHERE room_id = $1")).text(room.as_str()))
    .collect()
}
