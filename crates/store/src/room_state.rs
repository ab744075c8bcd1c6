//! The durable state of running rooms: loaded whole when a room actor
//! starts, written piece by piece as its events come out.

use std::future::Future;

use room::{
    ChatMessage, ItemId, Member, PlaybackClock, PlaylistItem, RoomSettings, SavedRoom, UserId,
};

use crate::columns::u64_to_db;
use crate::error::{Entity, StoreError};
use crate::ids::{RoomId, Stamp};
use crate::room_write::RoomChange;
use crate::sql::Stmt;
use crate::store::Store;

/// The state of rooms, for the room actor.
///
/// The actor drains `room.poll_event()` and writes each durable event
/// before broadcasting it:
///
/// | event | write |
/// |---|---|
/// | `MemberJoined` (a returning member may bring a new name), `MemberUpdated` | [`upsert_member`](Self::upsert_member) |
/// | `MemberKicked` | [`remove_member`](Self::remove_member) |
/// | `MemberBanned` / `MemberUnbanned` | [`ban_user`](Self::ban_user) / [`unban_user`](Self::unban_user) |
/// | `SettingsChanged` | [`update_settings`](Self::update_settings) |
/// | `ItemAdded`, `ItemEdited` | [`upsert_item`](Self::upsert_item) |
/// | `ItemDeleted`, `ItemMoved`, `PlaylistCleared` | [`delete_item`](Self::delete_item), [`move_item`](Self::move_item), [`clear_playlist`](Self::clear_playlist) |
/// | `PlaybackChanged` | [`save_playback`](Self::save_playback) |
/// | `Chat` | [`append_chat`](Self::append_chat) |
/// | anything else | nothing, or [`save_seq`](Self::save_seq) now and then |
///
/// Every write takes the event's [`Stamp`]: the stored `last_seq` becomes
/// the highest seq written, so a restored room continues after it. Every
/// write is idempotent (repeating it after an error gives the same state)
/// and fails with [`StoreError::NotFound`] on [`Entity::Room`] when the
/// room is gone.
pub trait RoomStateRepo {
    /// Everything stored of the room, for `Room::restore`.
    fn load_room(
        &self,
        room: &RoomId,
    ) -> impl Future<Output = Result<SavedRoom, StoreError>> + Send;

    /// Replaces everything stored of the room with `saved` (a checkpoint,
    /// or a repair after a write failed). Guests are not stored.
    fn save_room(
        &self,
        room: &RoomId,
        saved: &SavedRoom,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores the settings.
    fn update_settings(
        &self,
        room: &RoomId,
        settings: &RoomSettings,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a member as it is now (guests are skipped: they are
    /// forgotten when they leave). The user must have an account.
    fn upsert_member(
        &self,
        room: &RoomId,
        member: &Member,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a member (kicked; they may join again).
    fn remove_member(
        &self,
        room: &RoomId,
        user: UserId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a member and bans the user.
    fn ban_user(
        &self,
        room: &RoomId,
        user: UserId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Lifts a ban.
    fn unban_user(
        &self,
        room: &RoomId,
        user: UserId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends a new item to the playlist, or updates an item in place.
    fn upsert_item(
        &self,
        room: &RoomId,
        item: &PlaylistItem,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes an item.
    fn delete_item(
        &self,
        room: &RoomId,
        id: ItemId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves an item right after `after` (`None`: to the top).
    /// [`StoreError::NotFound`] on [`Entity::Item`] if either is not
    /// stored.
    fn move_item(
        &self,
        room: &RoomId,
        id: ItemId,
        after: Option<ItemId>,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes every item.
    fn clear_playlist(
        &self,
        room: &RoomId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores the playback clock.
    fn save_playback(
        &self,
        room: &RoomId,
        clock: &PlaybackClock,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends a chat message (its seq and time are the event's) and
    /// forgets the room's messages below `keep_from` (the seq of the oldest
    /// message the room still shows). Trimming by a known seq is a short
    /// index range, not a walk over the newest [`crate::CHAT_KEPT`].
    fn append_chat(
        &self,
        room: &RoomId,
        message: &ChatMessage,
        keep_from: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records the seq of events that change nothing stored (danmaku,
    /// presence, live status), e.g. when the actor stops.
    fn save_seq(
        &self,
        room: &RoomId,
        stamp: Stamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl RoomStateRepo for Store {
    async fn load_room(&self, room: &RoomId) -> Result<SavedRoom, StoreError> {
        self.load_saved_room(room).await
    }

    async fn save_room(
        &self,
        room: &RoomId,
        saved: &SavedRoom,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.save_room_fenced(room, None, saved, now_ms).await
    }

    async fn update_settings(
        &self,
        room: &RoomId,
        settings: &RoomSettings,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let change = RoomChange::Settings(settings.clone());
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn upsert_member(
        &self,
        room: &RoomId,
        member: &Member,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let change = RoomChange::Member(member.clone());
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn remove_member(
        &self,
        room: &RoomId,
        user: UserId,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let change = RoomChange::RemoveMember(user);
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn ban_user(&self, room: &RoomId, user: UserId, stamp: Stamp) -> Result<(), StoreError> {
        self.write_room(room, None, stamp, &[RoomChange::Ban(user)])
            .await
    }

    async fn unban_user(
        &self,
        room: &RoomId,
        user: UserId,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        self.write_room(room, None, stamp, &[RoomChange::Unban(user)])
            .await
    }

    async fn upsert_item(
        &self,
        room: &RoomId,
        item: &PlaylistItem,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let change = RoomChange::Item(item.clone());
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn delete_item(&self, room: &RoomId, id: ItemId, stamp: Stamp) -> Result<(), StoreError> {
        self.write_room(room, None, stamp, &[RoomChange::DeleteItem(id)])
            .await
    }

    async fn move_item(
        &self,
        room: &RoomId,
        id: ItemId,
        after: Option<ItemId>,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        // The touch locks the room's row first, so concurrent moves of one
        // room apply one after the other.
        let change = RoomChange::MoveItem { id, after };
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn clear_playlist(&self, room: &RoomId, stamp: Stamp) -> Result<(), StoreError> {
        self.write_room(room, None, stamp, &[RoomChange::ClearPlaylist])
            .await
    }

    async fn save_playback(
        &self,
        room: &RoomId,
        clock: &PlaybackClock,
        stamp: Stamp,
    ) -> Result<(), StoreError> {
        let change = RoomChange::Playback(*clock);
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn append_chat(
        &self,
        room: &RoomId,
        message: &ChatMessage,
        keep_from: u64,
    ) -> Result<(), StoreError> {
        let stamp = Stamp {
            seq: message.seq,
            at_ms: message.at_ms,
        };
        let change = RoomChange::Chat {
            message: message.clone(),
            keep_from,
        };
        self.write_room(room, None, stamp, &[change]).await
    }

    async fn save_seq(&self, room: &RoomId, stamp: Stamp) -> Result<(), StoreError> {
        self.write_room(room, None, stamp, &[]).await
    }
}

/// The position updates that move `id` right after `after` (or to the
/// top) in `order` (stored item ids, in playlist order): one statement per
/// item whose position changes.
pub(crate) fn reorder(
    room: &RoomId,
    order: &[i64],
    id: ItemId,
    after: Option<ItemId>,
) -> Result<Vec<Stmt>, StoreError> {
    let id = u64_to_db(id.0, "item_id")?;
    let after = after.map(|a| u64_to_db(a.0, "item_id")).transpose()?;
    let moved = moved(order, id, after).ok_or(StoreError::NotFound { what: Entity::Item })?;
    let mut stmts = Vec::new();
    for (position, (&old, &new)) in order.iter().zip(&moved).enumerate() {
        if old == new {
            continue;
        }
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        stmts.push(
            Stmt::new(
                "UPDATE playlist_items SET position = $3 WHERE room_id = $1 AND item_id = $2",
            )
            .text(room.as_str())
            .int(new)
            .int(position),
        );
    }
    Ok(stmts)
}

/// `order` with `id` moved right after `after` (`None`: first); `None` if
/// either is missing or `id == after`.
fn moved(order: &[i64], id: i64, after: Option<i64>) -> Option<Vec<i64>> {
    if after == Some(id) || !order.contains(&id) {
        return None;
    }
    let mut rest: Vec<i64> = order.iter().copied().filter(|&i| i != id).collect();
    let at = match after {
        None => 0,
        Some(after) => rest.iter().position(|&i| i == after)? + 1,
    };
    rest.insert(at, id);
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_moves_right_after_another_or_to_the_top() {
        let order = [1, 2, 3, 4];
        assert_eq!(moved(&order, 1, Some(3)).unwrap(), [2, 3, 1, 4]);
        assert_eq!(moved(&order, 4, None).unwrap(), [4, 1, 2, 3]);
        assert_eq!(moved(&order, 2, Some(1)).unwrap(), [1, 2, 3, 4]);
        assert_eq!(moved(&order, 9, None), None);
        assert_eq!(moved(&order, 1, Some(9)), None);
        assert_eq!(moved(&order, 1, Some(1)), None);
    }

    #[test]
    fn only_items_whose_position_changes_are_written() {
        let room = RoomId::parse("r").unwrap();
        let stmts = reorder(&room, &[1, 2, 3, 4], ItemId(3), Some(ItemId(1))).unwrap();
        // 1, 3, 2, 4: positions 1 and 2 change.
        let written: Vec<(&crate::sql::Arg, &crate::sql::Arg)> =
            stmts.iter().map(|s| (&s.args[1], &s.args[2])).collect();
        use crate::sql::Arg::Int;
        assert_eq!(written, [(&Int(3), &Int(1)), (&Int(2), &Int(2))]);
    }
}
