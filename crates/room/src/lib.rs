//! The room core: members and permissions, the playlist, the playback
//! clock, chat and danmaku of one watch-together room.
//!
//! Layer: pure (sans-IO). No sockets, tasks, channels or clocks: commands
//! and the current time go in, numbered events come out. The same inputs
//! give the same outputs, so a room can be tested with time advanced by
//! hand and replayed anywhere.
//!
//! # Drive loop
//!
//! One task (the room actor) owns a [`Room`] and feeds it:
//!
//! ```
//! use room::{Actor, Join, Room, RoomLimits, RoomSettings, UserId};
//!
//! let now_ms = 1_700_000_000_000; // server time, ms since the Unix epoch
//! let mut room = Room::new(
//!     UserId(1),
//!     "host",
//!     RoomSettings::new("movie night"),
//!     RoomLimits::default(),
//!     now_ms,
//! )?;
//!
//! // 1. A command from a connection (or from the server, as Actor::System).
//! let join = Join { name: "host".into(), guest: false, password_ok: true };
//! match room.handle_command(Actor::User(UserId(1)), join.into(), now_ms) {
//!     Ok(receipt) => { /* ack the sender with receipt.seq */ }
//!     Err(e) => { /* send e.code() to the sender only */ }
//! }
//!
//! // 2. Drain the events: persist the durable ones, then broadcast.
//! while let Some(event) = room.poll_event() {
//!     assert_eq!(event.seq, 1);
//! }
//!
//! // 3. Arm a timer for the end of the current item or the next batch of
//! //    presence news, if any; when it fires, call handle_timeout and
//! //    drain again.
//! if let Some(at_ms) = room.poll_timeout() {
//!     room.handle_timeout(at_ms);
//! }
//! # Ok::<(), room::RoomError>(())
//! ```
//!
//! A client that connects gets [`Room::snapshot`] (exact at send time) and
//! then every event with a higher seq. A client that reconnects gives its
//! last seq to [`Room::resume`] and gets exactly what it missed, or
//! [`Resume::TooOld`] and a fresh snapshot.
//!
//! # Model
//!
//! - Members have a [`Role`] (creator, admin, member, guest) and
//!   [`Permissions`]: the role's defaults from [`RoomSettings`], or their
//!   own. Passwords are checked by the caller, which passes the verdict.
//! - The playlist holds http(s) media URLs (mp4, webm, m3u8, flv) and the
//!   room's live stream; the room numbers items.
//! - The [`PlaybackClock`] is `{item, playing, position at t, rate}`;
//!   position now = position + (now − t) × rate while playing.
//! - Playback commands carry a [`RequestId`]; a retry applies once.
//! - Chat and danmaku are length- and rate-limited per member; the last
//!   chat messages are kept for history.
//! - Every event has a per-room seq; recent events are kept for resuming.
//! - A snapshot lists a bounded first page of the members online and
//!   their count; in a big room arrivals and departures are batched
//!   (`presence`), so a join costs the room O(log n), not O(n).
//!
//! Every bound is in [`RoomLimits`]. Errors are one [`RoomError`] with a
//! stable [`RoomError::code`]. docs/rooms.md describes the model for the
//! API and transport layers.

mod backlog;
mod caller;
mod chat;
mod clock;
mod command;
mod dedup;
mod error;
mod event;
mod id;
mod limits;
mod member;
mod permission;
mod playlist;
mod presence;
mod rate_limit;
mod room;
mod settings;
mod snapshot;
mod text;
mod url;

#[cfg(test)]
mod testing;

pub use backlog::Resume;
pub use chat::{ChatMessage, Danmaku, DanmakuMode};
pub use clock::{PlaybackClock, Rate};
pub use command::{
    AddItem, Ban, ClearPlaylist, Close, DeleteItem, EditItem, Join, Kick, Leave, LiveEnded,
    LiveStarted, MoveItem, Pause, Play, RoomCommand, Seek, SendChat, SendDanmaku, SetCurrent,
    SetPermissions, SetRate, SetRole, Unban, UpdateSettings, ViewerCount,
};
pub use dedup::AppliedRequest;
pub use error::{Field, RoomError, UrlProblem};
pub use event::{EventKind, RoomEvent};
pub use id::{Actor, ItemId, RequestId, UserId};
pub use limits::RoomLimits;
pub use member::{Member, MemberInfo, Role};
pub use permission::Permissions;
pub use playlist::{ItemSource, MediaKind, NewSource, PlaylistItem};
pub use rate_limit::RateLimit;
pub use room::{LiveStatus, MembersPage, Receipt, Room};
pub use settings::{RoomSettings, SettingsChange, Visibility};
pub use snapshot::{SavedRoom, Snapshot};
