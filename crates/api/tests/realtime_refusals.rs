//! Realtime connections the server refuses, before the WebSocket upgrade
//! or with a gRPC status (on both backends).
#![allow(clippy::unwrap_used)]

mod common;

use common::realtime::{Client, Server};
use common::Store;
use serde_json::json;

/// A well-formed room id that names no room.
const NO_SUCH_ROOM: &str = "no-such-room";

async fn websocket_upgrades_are_refused_as_documented(store: Store) {
    let server = Server::start(store, rooms::RoomsConfig::default()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "r"})).await;
    let ws = format!("{room}/ws");
    assert_eq!(
        Client::ws_refused(&server, &ws, Some("not-a-session")).await,
        (401, "unauthenticated".to_owned())
    );
    assert_eq!(
        Client::ws_refused(&server, &format!("{NO_SUCH_ROOM}/ws"), Some(&host)).await,
        (404, "room_not_found".to_owned())
    );
    assert_eq!(
        Client::ws_refused(&server, &format!("{ws}?encoding=xml"), Some(&host)).await,
        (400, "bad_encoding".to_owned())
    );
    // The same room and token are let in.
    let mut client = Client::ws(&server, &room, Some(&host), false).await;
    assert_eq!(client.join(None, "").await["type"], "welcome");
}
on_both_backends!(ws_refusals, websocket_upgrades_are_refused_as_documented);

async fn grpc_streams_are_refused_as_documented(store: Store) {
    let server = Server::start(store, rooms::RoomsConfig::default()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "r"})).await;
    let refused = |opened: Result<Client, tonic::Status>| match opened {
        Ok(_) => panic!("the stream was opened"),
        Err(status) => status.code(),
    };
    assert_eq!(
        refused(Client::grpc_opened(&server, NO_SUCH_ROOM, Some(&host)).await),
        tonic::Code::NotFound
    );
    assert_eq!(
        refused(Client::grpc_opened(&server, &room, Some("not-a-session")).await),
        tonic::Code::Unauthenticated
    );
    // Without a token the stream is a guest's, refused in-band by a room
    // that does not allow guests.
    let mut guest = Client::grpc_opened(&server, &room, None).await.unwrap();
    let refusal = guest.join(None, "").await;
    assert_eq!(
        (refusal["type"].as_str(), refusal["code"].as_str()),
        (Some("error"), Some("guests_not_allowed"))
    );
    assert!(guest.next_until_closed().await, "then the stream ends");
}
on_both_backends!(grpc_refusals, grpc_streams_are_refused_as_documented);
