//! Storage adapter (being written).

mod columns;
mod error;
mod ids;
mod migrations;
pub mod password;
mod secret;
mod store;
mod users;

pub use error::{Entity, StoreError};
pub use ids::{Page, RoomId, Stamp};
pub use secret::{SessionToken, StreamKey, TokenHash};
pub use store::{Backend, Store, SQLITE_FILE};
pub use users::{Credentials, User, UserRepo, FIRST_ADMIN_KEY};
