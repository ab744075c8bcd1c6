//! The one error type of the room core.

use std::fmt;

use crate::id::{ItemId, UserId};
use crate::member::Role;
use crate::permission::Permissions;

/// Why a command was refused. A refused command changes nothing (except
/// the caller's rate-limit budget) and emits no event.
///
/// [`RoomError::code`] is the machine-readable code sent to clients; the
/// API maps codes to HTTP and gRPC status in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    /// The room was closed; nothing more can happen in it.
    #[error("the room is closed")]
    RoomClosed,
    /// The user has not joined this room (or was kicked).
    #[error("not a member of this room")]
    NotAMember,
    /// The user is banned from this room.
    #[error("banned from this room")]
    Banned,
    /// The room has a password and the caller did not verify it.
    #[error("wrong password")]
    WrongPassword,
    /// The room does not admit guests (or has a password, which guests
    /// cannot enter).
    #[error("this room does not admit guests")]
    GuestsNotAllowed,
    /// The room holds as many members as it may.
    #[error("the room is full ({max} members)")]
    RoomFull {
        /// The member limit.
        max: usize,
    },
    /// The ban list holds as many users as it may.
    #[error("the ban list is full ({max} users)")]
    BanListFull {
        /// The ban-list limit.
        max: usize,
    },
    /// The caller lacks a permission.
    #[error("permission denied: needs {needed}")]
    PermissionDenied {
        /// The permissions that were missing.
        needed: Permissions,
    },
    /// The command needs a role the caller does not have.
    #[error("permission denied: needs role {role} or above")]
    RoleRequired {
        /// The lowest role allowed.
        role: Role,
    },
    /// The command is reserved to the server (live status, closing).
    #[error("only the server may do this")]
    SystemOnly,
    /// The target's role is equal to or above the caller's.
    #[error("cannot act on a member of equal or higher role")]
    Outranked,
    /// That role cannot be given or taken this way.
    #[error("role {role} cannot be assigned")]
    RoleNotAssignable {
        /// The role asked for, or the target's current role.
        role: Role,
    },
    /// No member with that id.
    #[error("{user} is not a member")]
    MemberNotFound {
        /// The user looked for.
        user: UserId,
    },
    /// No playlist item with that id.
    #[error("{id} not found")]
    ItemNotFound {
        /// The item looked for.
        id: ItemId,
    },
    /// The playlist holds as many items as it may.
    #[error("the playlist is full ({max} items)")]
    PlaylistFull {
        /// The playlist limit.
        max: usize,
    },
    /// A playback command arrived while no item is current.
    #[error("no item is current")]
    NoCurrentItem,
    /// The URL is not an acceptable http(s) URL.
    #[error("invalid url: {problem}")]
    InvalidUrl {
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The media type is none of mp4, webm, m3u8, flv.
    #[error("unsupported media: expected mp4, webm, m3u8 or flv")]
    UnsupportedMedia,
    /// A text is longer than allowed.
    #[error("{field} is too long (at most {max})")]
    TooLong {
        /// Which text.
        field: Field,
        /// Its limit (characters; bytes for URLs and request ids).
        max: usize,
    },
    /// A text is empty (after trimming).
    #[error("{field} is empty")]
    Empty {
        /// Which text.
        field: Field,
    },
    /// A text holds control characters.
    #[error("{field} contains control characters")]
    InvalidText {
        /// Which text.
        field: Field,
    },
    /// The caller sends faster than allowed.
    #[error("rate limited: retry in {retry_after_ms} ms")]
    RateLimited {
        /// How long until the next command of this kind is accepted.
        retry_after_ms: u64,
    },
    /// A playback rate outside 0.25..=4.
    #[error("playback rate {milli}/1000 is outside 250..=4000")]
    InvalidRate {
        /// The rate asked for, in thousandths.
        milli: u32,
    },
    /// A position past the end of the item (or past the position limit).
    #[error("position {position_ms} ms is outside the item")]
    InvalidPosition {
        /// The position asked for.
        position_ms: u64,
    },
    /// Seek and rate do not apply to the live stream.
    #[error("the live stream cannot be seeked or sped up")]
    NotSeekable,
    /// A danmaku colour that is not 0xRRGGBB.
    #[error("colour {color:#x} is not 0xRRGGBB")]
    InvalidColor {
        /// The colour given.
        color: u32,
    },
    /// A request id already used by this user for a different command.
    #[error("request id already used for another command")]
    RequestIdReused,
}

impl RoomError {
    /// The stable, machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RoomClosed => "room_closed",
            Self::NotAMember => "not_a_member",
            Self::Banned => "banned",
            Self::WrongPassword => "wrong_password",
            Self::GuestsNotAllowed => "guests_not_allowed",
            Self::RoomFull { .. } => "room_full",
            Self::BanListFull { .. } => "ban_list_full",
            Self::PermissionDenied { .. } | Self::RoleRequired { .. } => "permission_denied",
            Self::SystemOnly => "system_only",
            Self::Outranked => "outranked",
            Self::RoleNotAssignable { .. } => "role_not_assignable",
            Self::MemberNotFound { .. } => "member_not_found",
            Self::ItemNotFound { .. } => "item_not_found",
            Self::PlaylistFull { .. } => "playlist_full",
            Self::NoCurrentItem => "no_current_item",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::UnsupportedMedia => "unsupported_media",
            Self::TooLong { .. } => "too_long",
            Self::Empty { .. } => "empty",
            Self::InvalidText { .. } => "invalid_text",
            Self::RateLimited { .. } => "rate_limited",
            Self::InvalidRate { .. } => "invalid_rate",
            Self::InvalidPosition { .. } => "invalid_position",
            Self::NotSeekable => "not_seekable",
            Self::InvalidColor { .. } => "invalid_color",
            Self::RequestIdReused => "request_id_reused",
        }
    }
}

/// Which text field an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The room name.
    RoomName,
    /// A member's display name.
    DisplayName,
    /// A playlist item's title.
    Title,
    /// A playlist item's URL.
    Url,
    /// A chat message.
    Chat,
    /// A danmaku.
    Danmaku,
    /// A client request id.
    RequestId,
}

impl Field {
    /// The field's name as clients know it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoomName => "name",
            Self::DisplayName => "display_name",
            Self::Title => "title",
            Self::Url => "url",
            Self::Chat => "chat",
            Self::Danmaku => "danmaku",
            Self::RequestId => "request_id",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UrlProblem {
    /// Not `http://` or `https://`.
    Scheme,
    /// No host, or a host with characters a host cannot have.
    Host,
    /// A port that is not a number in 1..=65535.
    Port,
    /// Spaces or control characters.
    Characters,
    /// A `user:password@` part, which would be shown to every member.
    Credentials,
}

impl UrlProblem {
    /// The problem's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheme => "only http and https are accepted",
            Self::Host => "bad host",
            Self::Port => "bad port",
            Self::Characters => "spaces or control characters",
            Self::Credentials => "credentials in the url",
        }
    }
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
