//! Storage adapter (being written).

mod columns;
mod error;
mod ids;
mod migrations;
pub mod password;
mod room_sql;
mod room_state;
mod rooms;
mod saved_room;
mod secret;
mod sessions;
mod settings;
mod sql;
mod store;
mod stream_keys;
mod users;

pub use error::{Entity, StoreError};
pub use ids::{Page, RoomId, Stamp};
pub use room_sql::CHAT_KEPT;
pub use room_state::RoomStateRepo;
pub use rooms::{RoomRecord, RoomRepo, RoomSummary};
pub use secret::{SessionToken, StreamKey, TokenHash};
pub use sessions::{Session, SessionRepo};
pub use settings::SettingRepo;
pub use store::{Backend, Store, SQLITE_FILE};
pub use stream_keys::StreamKeyRepo;
pub use users::{Credentials, User, UserRepo, FIRST_ADMIN_KEY};
