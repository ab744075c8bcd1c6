//! Repository tests, each run on SQLite and on PostgreSQL.

// The test bodies are plain async functions (run once per backend), which
// clippy does not recognise as tests.
#![allow(clippy::unwrap_used)]

mod support;

mod open;
mod room_fence;
mod room_state;
mod rooms;
mod sessions;
mod settings;
mod stream_keys;
mod users;
