//! Whole-room views: the welcome snapshot and the stored form.

use crate::chat::ChatMessage;
use crate::clock::PlaybackClock;
use crate::dedup::AppliedRequest;
use crate::id::UserId;
use crate::member::{Member, MemberInfo};
use crate::playlist::PlaylistItem;
use crate::room::LiveStatus;
use crate::settings::RoomSettings;

/// What a client gets on joining (or when its resume gap is too old).
/// Applying every event with a seq above `seq` to it keeps it current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The seq of the last event reflected here.
    pub seq: u64,
    /// The server time the snapshot was taken at.
    pub server_time_ms: i64,
    /// The settings.
    pub settings: RoomSettings,
    /// The first page of the members online now: the room's staff
    /// (creator, admins) first, then the most recent arrivals, at most
    /// `RoomLimits::snapshot_members` in all.
    pub members: Vec<MemberInfo>,
    /// How many members are online now (all of them, listed or not).
    pub member_count: u64,
    /// The playlist in order.
    pub playlist: Vec<PlaylistItem>,
    /// The playback clock, rebased to `server_time_ms`.
    pub clock: PlaybackClock,
    /// The live stream's status.
    pub live: LiveStatus,
    /// The most recent chat messages, oldest first.
    pub chat: Vec<ChatMessage>,
}

/// The durable state of a room, as the store keeps it. Presence, rate
/// limits, the event backlog and live status are not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedRoom {
    /// The settings.
    pub settings: RoomSettings,
    /// Every member.
    pub members: Vec<Member>,
    /// Banned users.
    pub banned: Vec<UserId>,
    /// The playlist in order.
    pub playlist: Vec<PlaylistItem>,
    /// The next item id to hand out.
    pub next_item_id: u64,
    /// The playback clock.
    pub clock: PlaybackClock,
    /// The kept chat messages, oldest first.
    pub chat: Vec<ChatMessage>,
    /// Commands recently applied under a client request id.
    pub requests: Vec<AppliedRequest>,
    /// The seq of the last event.
    pub seq: u64,
}
