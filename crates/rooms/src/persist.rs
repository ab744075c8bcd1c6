//! Durable room events written to storage before anyone sees them.

use room::{EventKind, Role, Room, RoomEvent};
use store::{RoomId, RoomStateRepo, Stamp, Store, StoreError};

/// Writes what `event` changed, if it changed anything stored. `room` is
/// the room after the event (for the stored shape of a member).
pub(crate) async fn write_event(
    store: &Store,
    id: &RoomId,
    room: &Room,
    event: &RoomEvent,
) -> Result<(), StoreError> {
    let stamp = Stamp::from(event);
    match &event.kind {
        EventKind::MemberJoined { member, .. } | EventKind::MemberUpdated { member, .. } => {
            if member.role == Role::Guest {
                return Ok(());
            }
            match room.stored_member(member.user) {
                Some(stored) => store.upsert_member(id, &stored, stamp).await,
                None => Ok(()),
            }
        }
        EventKind::MemberKicked { user, .. } => store.remove_member(id, *user, stamp).await,
        EventKind::MemberBanned { user, .. } => store.ban_user(id, *user, stamp).await,
        EventKind::MemberUnbanned { user, .. } => store.unban_user(id, *user, stamp).await,
        EventKind::SettingsChanged { settings, .. } => {
            store.update_settings(id, settings, stamp).await
        }
        EventKind::ItemAdded { item } | EventKind::ItemEdited { item, .. } => {
            store.upsert_item(id, item, stamp).await
        }
        EventKind::ItemDeleted { id: item, .. } => store.delete_item(id, *item, stamp).await,
        EventKind::ItemMoved {
            id: item, after, ..
        } => store.move_item(id, *item, *after, stamp).await,
        EventKind::PlaylistCleared { .. } => store.clear_playlist(id, stamp).await,
        EventKind::PlaybackChanged { clock, .. } => store.save_playback(id, clock, stamp).await,
        EventKind::Chat { message } => {
            let keep_from = room.oldest_chat_seq().unwrap_or(message.seq);
            store.append_chat(id, message, keep_from).await
        }
        EventKind::MemberLeft { .. }
        | EventKind::Danmaku { .. }
        | EventKind::LiveStarted
        | EventKind::LiveEnded
        | EventKind::ViewerCount { .. }
        | EventKind::RoomClosed => Ok(()),
    }
}
