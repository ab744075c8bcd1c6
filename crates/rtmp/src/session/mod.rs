//! Server and client sessions: sans-IO state machines over the handshake,
//! the chunk stream and the commands.

mod client;
mod server;
mod transport;

pub use client::{ClientConfig, ClientEvent, ClientSession};
pub use server::{ServerConfig, ServerEvent, ServerSession};

/// Splits `name?query` into the name and the query (empty if none).
fn split_query(name: &str) -> (String, String) {
    match name.split_once('?') {
        Some((name, query)) => (name.to_owned(), query.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_question_mark() {
        assert_eq!(split_query("key"), ("key".into(), String::new()));
        assert_eq!(split_query("key?a=1?b"), ("key".into(), "a=1?b".into()));
    }
}
