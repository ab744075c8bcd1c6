//! Bounds on everything a peer controls in a room.

use crate::rate_limit::RateLimit;

/// Sizes, counts and rates a room enforces. [`RoomLimits::default`] is what
/// the server uses unless configured otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomLimits {
    /// Longest room name, in characters.
    pub room_name_chars: usize,
    /// Longest display name, in characters.
    pub display_name_chars: usize,
    /// Longest item title, in characters.
    pub title_chars: usize,
    /// Longest item URL, in bytes.
    pub url_bytes: usize,
    /// Longest chat message, in characters.
    pub chat_chars: usize,
    /// Longest danmaku, in characters.
    pub danmaku_chars: usize,
    /// Most members (online or not) a room holds.
    pub max_members: usize,
    /// Most users on a room's ban list.
    pub max_banned: usize,
    /// Most items in a playlist.
    pub max_items: usize,
    /// Chat messages kept for history and paging.
    pub chat_history: usize,
    /// Chat messages included in a snapshot.
    pub snapshot_chat: usize,
    /// Largest page of chat history.
    pub chat_page: usize,
    /// Online members listed in a snapshot (the rest are counted, and
    /// paged through [`Room::members_page`](crate::Room::members_page)).
    pub snapshot_members: usize,
    /// Largest page of members.
    pub members_page: usize,
    /// From this many members online, arrivals and departures are told in
    /// batches (`MembersChanged`) rather than one event each.
    pub presence_batch_from: usize,
    /// How long presence changes wait for their batch, in milliseconds.
    pub presence_batch_ms: i64,
    /// Most members in one batch; the rest wait for the next.
    pub presence_batch_max: usize,
    /// Events kept for reconnecting clients.
    pub backlog: usize,
    /// Request ids remembered for retries.
    pub request_ids: usize,
    /// How long a request id is remembered, in milliseconds.
    pub request_id_ttl_ms: i64,
    /// The furthest position accepted for an item of unknown duration.
    pub max_position_ms: u64,
    /// Chat pace per member.
    pub chat_rate: RateLimit,
    /// Danmaku pace per member.
    pub danmaku_rate: RateLimit,
    /// Pace of every other member command (playback, playlist, members).
    pub control_rate: RateLimit,
}

impl Default for RoomLimits {
    fn default() -> Self {
        Self {
            room_name_chars: 64,
            display_name_chars: 64,
            title_chars: 200,
            url_bytes: 2048,
            chat_chars: 500,
            danmaku_chars: 100,
            max_members: 10_000,
            max_banned: 10_000,
            max_items: 500,
            chat_history: 500,
            snapshot_chat: 50,
            chat_page: 100,
            snapshot_members: 100,
            members_page: 500,
            presence_batch_from: 200,
            presence_batch_ms: 250,
            presence_batch_max: 500,
            backlog: 1024,
            request_ids: 1024,
            request_id_ttl_ms: 10 * 60 * 1000,
            max_position_ms: 31 * 24 * 3600 * 1000,
            chat_rate: RateLimit {
                burst: 5,
                every_ms: 1000,
            },
            danmaku_rate: RateLimit {
                burst: 10,
                every_ms: 250,
            },
            control_rate: RateLimit {
                burst: 20,
                every_ms: 100,
            },
        }
    }
}
