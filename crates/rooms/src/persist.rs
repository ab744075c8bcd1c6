//! Durable room events written to storage before anyone sees them.
//!
//! The events of one flush (one command's, as a rule) and the request ids
//! applied with them are written in one transaction, under the writer's
//! fence in a cluster: a retry that reaches the room's next writer finds
//! the request id exactly when it finds the command's effects.

use room::{AppliedRequest, EventKind, Role, Room, RoomEvent};
use store::{RoomChange, RoomId, Stamp, Store, StoreError, WriterFence};

/// What one flush writes.
pub(crate) struct Batch<'a> {
    pub(crate) events: &'a [RoomEvent],
    pub(crate) requests: Vec<AppliedRequest>,
}

/// Writes what `batch` changed, in one transaction. `room` is the room
/// after the events (for the stored shape of a member).
pub(crate) async fn write_batch(
    store: &Store,
    id: &RoomId,
    fence: Option<WriterFence>,
    room: &Room,
    batch: Batch<'_>,
) -> Result<(), StoreError> {
    let Some(stamp) = stamp_of(&batch) else {
        return Ok(());
    };
    let mut changes: Vec<RoomChange> = batch
        .events
        .iter()
        .flat_map(|event| changes_of(room, event))
        .collect();
    let forget_before_ms = stamp.at_ms.saturating_sub(room.limits().request_id_ttl_ms);
    changes.extend(
        batch
            .requests
            .into_iter()
            .map(|applied| RoomChange::Request {
                applied,
                forget_before_ms,
            }),
    );
    if changes.is_empty() {
        // Presence, danmaku, live news: the seq reservation covers them.
        return Ok(());
    }
    store.write_room(id, fence, stamp, &changes).await
}

/// The newest seq and time of the batch.
fn stamp_of(batch: &Batch<'_>) -> Option<Stamp> {
    let from_events = batch.events.last().map(Stamp::from);
    let from_requests = batch.requests.iter().map(|r| Stamp {
        seq: r.seq,
        at_ms: r.at_ms,
    });
    from_events
        .into_iter()
        .chain(from_requests)
        .max_by_key(|s| (s.seq, s.at_ms))
}

/// What `event` changes in storage: a batch of presence news stores each
/// member who came online (a newcomer, or a new name), as `MemberJoined`.
fn changes_of(room: &Room, event: &RoomEvent) -> Vec<RoomChange> {
    let EventKind::MembersChanged { joined, .. } = &event.kind else {
        return change_of(room, event).into_iter().collect();
    };
    joined
        .iter()
        .filter(|member| member.role != Role::Guest)
        .filter_map(|member| room.stored_member(member.user))
        .map(RoomChange::Member)
        .collect()
}

/// What `event` changes in storage, if anything.
fn change_of(room: &Room, event: &RoomEvent) -> Option<RoomChange> {
    Some(match &event.kind {
        EventKind::MemberJoined { member, .. } | EventKind::MemberUpdated { member, .. } => {
            if member.role == Role::Guest {
                return None;
            }
            RoomChange::Member(room.stored_member(member.user)?)
        }
        EventKind::MemberKicked { user, .. } => RoomChange::RemoveMember(*user),
        EventKind::MemberBanned { user, .. } => RoomChange::Ban(*user),
        EventKind::MemberUnbanned { user, .. } => RoomChange::Unban(*user),
        EventKind::SettingsChanged { settings, .. } => RoomChange::Settings(settings.clone()),
        EventKind::ItemAdded { item } | EventKind::ItemEdited { item, .. } => {
            RoomChange::Item(item.clone())
        }
        EventKind::ItemDeleted { id, .. } => RoomChange::DeleteItem(*id),
        EventKind::ItemMoved { id, after, .. } => RoomChange::MoveItem {
            id: *id,
            after: *after,
        },
        EventKind::PlaylistCleared { .. } => RoomChange::ClearPlaylist,
        EventKind::PlaybackChanged { clock, .. } => RoomChange::Playback(*clock),
        EventKind::Chat { message } => RoomChange::Chat {
            message: message.clone(),
            keep_from: room.oldest_chat_seq().unwrap_or(message.seq),
        },
        EventKind::MemberLeft { .. }
        | EventKind::MembersChanged { .. }
        | EventKind::Danmaku { .. }
        | EventKind::LiveStarted
        | EventKind::LiveEnded
        | EventKind::ViewerCount { .. }
        | EventKind::RoomClosed => return None,
    })
}
