//! Protocol flows through an in-memory client/server pair.

mod control;
mod flows;
mod handshake;
mod timestamps;
mod util;
