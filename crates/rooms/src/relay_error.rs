//! A command's outcome as the writer sends it back to the replica whose
//! HTTP route asked: the receipt, or the room's refusal with all its
//! fields, so the route answers exactly as it would on the writer.

use room::{Field, ItemId, Permissions, Receipt, RoomError, UrlProblem, UserId};
use serde::{Deserialize, Serialize};

use crate::relay_command::RoleWire;

/// The outcome of a forwarded command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum OutcomeWire {
    Applied {
        seq: u64,
        events: u64,
        replayed: bool,
    },
    Refused {
        error: ErrorWire,
    },
}

impl From<&Result<Receipt, RoomError>> for OutcomeWire {
    fn from(result: &Result<Receipt, RoomError>) -> OutcomeWire {
        match result {
            Ok(r) => OutcomeWire::Applied {
                seq: r.seq,
                events: r.events,
                replayed: r.replayed,
            },
            Err(e) => OutcomeWire::Refused { error: e.into() },
        }
    }
}

impl From<OutcomeWire> for Result<Receipt, RoomError> {
    fn from(outcome: OutcomeWire) -> Result<Receipt, RoomError> {
        match outcome {
            OutcomeWire::Applied {
                seq,
                events,
                replayed,
            } => Ok(Receipt {
                seq,
                events,
                replayed,
            }),
            OutcomeWire::Refused { error } => Err(error.into()),
        }
    }
}

/// [`RoomError`], serialisable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ErrorWire {
    RoomClosed,
    NotAMember,
    Banned,
    WrongPassword,
    GuestsNotAllowed,
    RoomFull { max: usize },
    BanListFull { max: usize },
    PermissionDenied { needed: u32 },
    RoleRequired { role: RoleWire },
    SystemOnly,
    Outranked,
    RoleNotAssignable { role: RoleWire },
    MemberNotFound { user: u64 },
    ItemNotFound { id: u64 },
    PlaylistFull { max: usize },
    NoCurrentItem,
    InvalidUrl { problem: u8 },
    UnsupportedMedia,
    TooLong { field: u8, max: usize },
    Empty { field: u8 },
    InvalidText { field: u8 },
    RateLimited { retry_after_ms: u64 },
    InvalidRate { milli: u32 },
    InvalidPosition { position_ms: u64 },
    NotSeekable,
    InvalidColor { color: u32 },
    RequestIdReused,
}

const FIELDS: [Field; 7] = [
    Field::RoomName,
    Field::DisplayName,
    Field::Title,
    Field::Url,
    Field::Chat,
    Field::Danmaku,
    Field::RequestId,
];

const PROBLEMS: [UrlProblem; 5] = [
    UrlProblem::Scheme,
    UrlProblem::Host,
    UrlProblem::Port,
    UrlProblem::Characters,
    UrlProblem::Credentials,
];

fn index_of<T: PartialEq>(all: &[T], one: &T) -> u8 {
    all.iter()
        .position(|x| x == one)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(0)
}

/// An out-of-range number (a newer replica's) reads as the first entry:
/// the code a client sees stays the same.
fn at<T: Copy>(all: &[T], index: u8) -> T {
    all.get(usize::from(index)).copied().unwrap_or(all[0])
}

impl From<&RoomError> for ErrorWire {
    fn from(error: &RoomError) -> ErrorWire {
        use ErrorWire as W;
        use RoomError as E;
        match *error {
            E::RoomClosed => W::RoomClosed,
            E::NotAMember => W::NotAMember,
            E::Banned => W::Banned,
            E::WrongPassword => W::WrongPassword,
            E::GuestsNotAllowed => W::GuestsNotAllowed,
            E::RoomFull { max } => W::RoomFull { max },
            E::BanListFull { max } => W::BanListFull { max },
            E::PermissionDenied { needed } => W::PermissionDenied {
                needed: needed.bits(),
            },
            E::RoleRequired { role } => W::RoleRequired { role: role.into() },
            E::SystemOnly => W::SystemOnly,
            E::Outranked => W::Outranked,
            E::RoleNotAssignable { role } => W::RoleNotAssignable { role: role.into() },
            E::MemberNotFound { user } => W::MemberNotFound { user: user.0 },
            E::ItemNotFound { id } => W::ItemNotFound { id: id.0 },
            E::PlaylistFull { max } => W::PlaylistFull { max },
            E::NoCurrentItem => W::NoCurrentItem,
            E::InvalidUrl { problem } => W::InvalidUrl {
                problem: index_of(&PROBLEMS, &problem),
            },
            E::UnsupportedMedia => W::UnsupportedMedia,
            E::TooLong { field, max } => W::TooLong {
                field: index_of(&FIELDS, &field),
                max,
            },
            E::Empty { field } => W::Empty {
                field: index_of(&FIELDS, &field),
            },
            E::InvalidText { field } => W::InvalidText {
                field: index_of(&FIELDS, &field),
            },
            E::RateLimited { retry_after_ms } => W::RateLimited { retry_after_ms },
            E::InvalidRate { milli } => W::InvalidRate { milli },
            E::InvalidPosition { position_ms } => W::InvalidPosition { position_ms },
            E::NotSeekable => W::NotSeekable,
            E::InvalidColor { color } => W::InvalidColor { color },
            E::RequestIdReused => W::RequestIdReused,
        }
    }
}

impl From<ErrorWire> for RoomError {
    fn from(error: ErrorWire) -> RoomError {
        use ErrorWire as W;
        use RoomError as E;
        match error {
            W::RoomClosed => E::RoomClosed,
            W::NotAMember => E::NotAMember,
            W::Banned => E::Banned,
            W::WrongPassword => E::WrongPassword,
            W::GuestsNotAllowed => E::GuestsNotAllowed,
            W::RoomFull { max } => E::RoomFull { max },
            W::BanListFull { max } => E::BanListFull { max },
            W::PermissionDenied { needed } => E::PermissionDenied {
                needed: Permissions::from_bits_truncate(needed),
            },
            W::RoleRequired { role } => E::RoleRequired { role: role.into() },
            W::SystemOnly => E::SystemOnly,
            W::Outranked => E::Outranked,
            W::RoleNotAssignable { role } => E::RoleNotAssignable { role: role.into() },
            W::MemberNotFound { user } => E::MemberNotFound { user: UserId(user) },
            W::ItemNotFound { id } => E::ItemNotFound { id: ItemId(id) },
            W::PlaylistFull { max } => E::PlaylistFull { max },
            W::NoCurrentItem => E::NoCurrentItem,
            W::InvalidUrl { problem } => E::InvalidUrl {
                problem: at(&PROBLEMS, problem),
            },
            W::UnsupportedMedia => E::UnsupportedMedia,
            W::TooLong { field, max } => E::TooLong {
                field: at(&FIELDS, field),
                max,
            },
            W::Empty { field } => E::Empty {
                field: at(&FIELDS, field),
            },
            W::InvalidText { field } => E::InvalidText {
                field: at(&FIELDS, field),
            },
            W::RateLimited { retry_after_ms } => E::RateLimited { retry_after_ms },
            W::InvalidRate { milli } => E::InvalidRate { milli },
            W::InvalidPosition { position_ms } => E::InvalidPosition { position_ms },
            W::NotSeekable => E::NotSeekable,
            W::InvalidColor { color } => E::InvalidColor { color },
            W::RequestIdReused => E::RequestIdReused,
        }
    }
}
