//! What the room runtime can fail with.

use thiserror::Error;

/// Why a room did not do what was asked.
#[derive(Debug, Error)]
pub enum RoomsError {
    /// The room refused (not a member, wrong password, rate limited, …).
    #[error("{0}")]
    Room(#[from] room::RoomError),
    /// The room could not be loaded: not stored, or storage failed.
    #[error("{0}")]
    Store(#[from] store::StoreError),
    /// The room's actor stopped and did not come back.
    #[error("the room is not running; retry later")]
    Unavailable,
    /// A join kept meeting the room's actor as it stopped.
    #[error("the room is restarting; retry")]
    Restarting,
}
