//! A signed-in caller of the router, and the error code of its answers.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use super::{authed, call};

pub struct Caller<'a> {
    pub app: &'a axum::Router,
    pub token: &'a str,
}

impl Caller<'_> {
    /// Sends `method uri` with the caller's token and, if given, a JSON
    /// body; the status and the JSON answer.
    pub async fn send(&self, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
        let builder = authed(Request::builder().method(method).uri(uri), self.token);
        let request = match body {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        let (status, value, _) = call(self.app, request.unwrap()).await;
        (status.as_u16(), value)
    }

    pub async fn get(&self, uri: &str) -> (u16, Value) {
        self.send("GET", uri, None).await
    }
}

/// Registers `names` (the first becomes the site admin); their tokens.
pub async fn register<const N: usize>(app: &axum::Router, names: [&str; N]) -> [String; N] {
    let mut tokens = Vec::with_capacity(N);
    for name in names {
        tokens.push(super::token_for(app, name).await);
    }
    tokens.try_into().unwrap()
}

/// One caller per token.
pub fn callers<'a, const N: usize>(
    app: &'a axum::Router,
    tokens: &'a [String; N],
) -> [Caller<'a>; N] {
    tokens.each_ref().map(|token| Caller { app, token })
}

/// Creates a room as `caller`; its base URI (`/api/v1/rooms/{id}`).
pub async fn new_room(caller: &Caller<'_>, name: &str) -> String {
    let body = serde_json::json!({ "name": name });
    let (status, room) = caller.send("POST", "/api/v1/rooms", Some(body)).await;
    assert_eq!(status, 201, "{room}");
    format!("/api/v1/rooms/{}", room["id"].as_str().unwrap())
}

/// The status and the error code of an answer (`""` when it has none).
pub fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or(""))
}
