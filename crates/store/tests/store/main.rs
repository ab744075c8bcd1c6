//! Repository tests, each run on SQLite and on PostgreSQL.

mod support;

mod open;
mod room_state;
mod rooms;
mod sessions;
mod settings;
mod stream_keys;
mod users;
