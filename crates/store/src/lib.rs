//! The storage adapter: accounts, sessions, rooms and their durable state,
//! stream keys and site settings, on SQLite or PostgreSQL.
//!
//! Layer: adapter. It owns the database and nothing else; the room domain
//! (`room`) stays pure and hands over `room::SavedRoom` and the values in
//! its events. Every function takes the current time as `now_ms` (ms
//! since the Unix epoch) from the caller and reads no clock.
//!
//! # Opening a store
//!
//! ```no_run
//! # async fn open() -> Result<(), store::StoreError> {
//! use std::path::Path;
//! use store::{Store, UserRepo};
//!
//! // No URL (or `sqlite:`): the file `synctv.db` in the data directory.
//! let store = Store::open(None, Path::new("./data")).await?;
//! // `postgres://user@host/db`: a PostgreSQL server shared by replicas.
//! // let store = Store::open(Some("postgres://synctv@db/synctv"), Path::new("./data")).await?;
//! let first = store.create_user("ada", &store::password::hash("secret")?, 1_700_000_000_000).await?;
//! assert!(first.is_admin);
//! # Ok(()) }
//! ```
//!
//! Opening migrates the schema (`migrations/sqlite`, `migrations/postgres`,
//! embedded in the binary). [`Store`] is a cheap clone around a connection
//! pool and implements the repository traits:
//!
//! - [`UserRepo`]: accounts; the first one becomes admin.
//! - [`SessionRepo`]: login sessions stored by the SHA-256 of their token.
//! - [`RoomRepo`]: room records, the public list, deletion, passwords.
//! - [`RoomStateRepo`]: a room's durable state, loaded whole for
//!   `room::Room::restore` and written piece by piece as the room's events
//!   come out (the trait lists which write each event needs).
//!   A room's writer uses the fenced form: [`Store::take_writer_fence`]
//!   when it loads the room, then [`Store::write_room`] with the changes
//!   of one command's events (and its request id) in one transaction.
//! - [`StreamKeyRepo`]: one random, rotatable stream key per room.
//! - [`SettingRepo`]: site settings as key/value text.
//! - [`AudienceRepo`]: watch sessions and viewer snapshots by stage.
//!
//! Password hashing (argon2id) is in [`password`]; random tokens and keys
//! in [`SessionToken`] and [`StreamKey`]. Errors are one [`StoreError`]:
//! `NotFound` and `Conflict` carry meaning for clients, the rest is for
//! the log. docs/storage.md describes the schema.

mod audience;
mod columns;
mod error;
mod ids;
mod migrations;
pub mod password;
mod room_sql;
mod room_state;
mod room_write;
mod rooms;
mod saved_room;
mod secret;
mod sessions;
mod settings;
mod sql;
mod store;
mod stream_keys;
mod users;

pub use audience::{AudienceRepo, SnapshotRow, WatchRow};
pub use error::{Entity, StoreError};
pub use ids::{Page, RoomId, Stamp};
pub use room_sql::CHAT_KEPT;
pub use room_state::RoomStateRepo;
pub use room_write::{RoomChange, WriterFence};
pub use rooms::{RoomRecord, RoomRepo, RoomSummary};
pub use secret::{SessionToken, StreamKey, TokenHash};
pub use sessions::{Session, SessionRepo};
pub use settings::SettingRepo;
pub use store::{Backend, Store, SQLITE_FILE};
pub use stream_keys::StreamKeyRepo;
pub use users::{Credentials, User, UserRepo, FIRST_ADMIN_KEY};
