//! What comes out of a room.

use crate::chat::{ChatMessage, Danmaku};
use crate::clock::PlaybackClock;
use crate::id::{ItemId, UserId};
use crate::member::MemberInfo;
use crate::playlist::PlaylistItem;
use crate::settings::RoomSettings;

/// Something that happened in a room, numbered by the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomEvent {
    /// The room sequence number: 1 for the first event, then +1 each.
    pub seq: u64,
    /// The server time of the command that caused it.
    pub at_ms: i64,
    /// What happened.
    pub kind: EventKind,
}

/// What happened. `by` names the member who caused it; `None` means the
/// server (the live engine, an admin through the API, a timer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A member came online (first connection).
    MemberJoined {
        /// The member as they are now.
        member: MemberInfo,
        /// Whether they just became a member (a new stored member, unless
        /// a guest).
        first_time: bool,
        /// Members online now.
        online: u64,
    },
    /// A member went offline (last connection closed).
    MemberLeft {
        /// Who.
        user: UserId,
        /// Members online now.
        online: u64,
    },
    /// In a big room: the members whose presence changed since the last
    /// such event, each as they are now (see `RoomLimits::presence_batch_from`).
    MembersChanged {
        /// Online now: came online (or changed name on the way), by user id.
        joined: Vec<MemberInfo>,
        /// Offline (or no longer members) now, by user id.
        left: Vec<UserId>,
        /// Members online now.
        online: u64,
    },
    /// A member's name, role or permissions changed.
    MemberUpdated {
        /// The member as they are now.
        member: MemberInfo,
        /// Who changed them.
        by: Option<UserId>,
    },
    /// A member was removed; they may join again.
    MemberKicked {
        /// Who.
        user: UserId,
        /// By whom.
        by: Option<UserId>,
    },
    /// A user was removed and may not join again.
    MemberBanned {
        /// Who.
        user: UserId,
        /// By whom.
        by: Option<UserId>,
    },
    /// A user may join again.
    MemberUnbanned {
        /// Who.
        user: UserId,
        /// By whom.
        by: Option<UserId>,
    },
    /// The settings changed.
    SettingsChanged {
        /// The settings as they are now.
        settings: RoomSettings,
        /// By whom.
        by: Option<UserId>,
    },
    /// An item was appended to the playlist.
    ItemAdded {
        /// The item.
        item: PlaylistItem,
    },
    /// An item changed (title, source or duration).
    ItemEdited {
        /// The item as it is now.
        item: PlaylistItem,
        /// By whom.
        by: Option<UserId>,
    },
    /// An item was removed.
    ItemDeleted {
        /// Which.
        id: ItemId,
        /// By whom.
        by: Option<UserId>,
    },
    /// An item moved right after another, or to the top.
    ItemMoved {
        /// Which.
        id: ItemId,
        /// The item it now follows; `None` for the top.
        after: Option<ItemId>,
        /// By whom.
        by: Option<UserId>,
    },
    /// Every item was removed.
    PlaylistCleared {
        /// By whom.
        by: Option<UserId>,
    },
    /// The playback clock changed; it is exact at its own `at_ms`.
    PlaybackChanged {
        /// The clock.
        clock: PlaybackClock,
        /// By whom.
        by: Option<UserId>,
    },
    /// A chat message.
    Chat {
        /// The message (its `seq` is this event's).
        message: ChatMessage,
    },
    /// A danmaku.
    Danmaku {
        /// The danmaku.
        danmaku: Danmaku,
    },
    /// The room's live stream started.
    LiveStarted,
    /// The room's live stream ended.
    LiveEnded,
    /// The live stream's viewer count changed.
    ViewerCount {
        /// Viewers now.
        viewers: u64,
    },
    /// The room was closed (deleted); clients should leave.
    RoomClosed,
}
