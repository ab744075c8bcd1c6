//! The stage routes on one standalone process (no Redis): the node itself
//! is the room's only stage, behind the same routes as a cluster; stage
//! control is for the room's admins.

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::api::{self, RoomSocket};
use support::{decode, publish, Server};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn a_standalone_node_is_the_rooms_single_stage_and_only_admins_control_it() {
    let server = Server::start(&[("SYNCTV_LIVE__STAGE_TICK_SECS", "0.5")]);
    let host = api::register(server.http, "host");
    let (status, room) = api::call(
        server.http,
        "POST",
        "/api/v1/rooms",
        Some(&host),
        &json!({"name": "alone"}),
    );
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/rooms/{room}/live");
    let (status, publisher) = api::call(
        server.http,
        "GET",
        &format!("{base}/publisher"),
        Some(&host),
        &Value::Null,
    );
    assert_eq!(status, 200, "{publisher}");
    assert_eq!(publisher["publishing"], false);

    let (_, url) = api::call(
        server.http,
        "GET",
        &format!("{base}/publish-url"),
        Some(&host),
        &Value::Null,
    );
    let _streamer = publish(&server.publish_url(url["key"].as_str().unwrap()), 60, &[]);
    assert!(server.wait_for_log(&["publish started", &room], WAIT));

    // Two anonymous viewers: both on the node's own stage, whatever its
    // capacity, with this node's play URLs.
    let (status, first) = api::call(
        server.http,
        "POST",
        &format!("{base}/watch"),
        None,
        &Value::Null,
    );
    assert_eq!(status, 200, "{first}");
    let (status, second) = api::call(
        server.http,
        "POST",
        &format!("{base}/watch"),
        None,
        &Value::Null,
    );
    assert_eq!(status, 200, "{second}");
    assert_eq!(first["stage"]["id"], second["stage"]["id"]);
    assert_ne!(first["viewer"], second["viewer"]);
    assert!(first["token"].is_null(), "an open room needs no play token");
    let flv = first["flv"].as_str().unwrap();
    assert!(flv.contains(&server.http.port().to_string()), "{flv}");
    let played = decode(flv, 2);
    assert!(played.video_frames >= 20, "{played:?}");

    let (status, publisher) = api::call(
        server.http,
        "GET",
        &format!("{base}/publisher"),
        Some(&host),
        &Value::Null,
    );
    assert_eq!(status, 200, "{publisher}");
    assert_eq!(publisher["publishing"], true);
    assert_eq!(publisher["node"], first["stage"]["node"]);
    let (status, stages) = api::call(
        server.http,
        "GET",
        &format!("{base}/stages"),
        Some(&host),
        &Value::Null,
    );
    assert_eq!(status, 200, "{stages}");
    let stages = stages["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 1, "{stages:?}");
    assert_eq!(stages[0]["viewers"], 2);
    assert_eq!(
        stages[0]["replicate"], false,
        "the owner's stage needs no pull"
    );

    // A heartbeat of a seated viewer counts; an unknown one must watch.
    let beat = format!("{base}/heartbeat");
    let (status, _) = api::call(
        server.http,
        "POST",
        &beat,
        None,
        &json!({"viewer": first["viewer"]}),
    );
    assert_eq!(status, 200);
    let (status, body) = api::call(
        server.http,
        "POST",
        &beat,
        None,
        &json!({"viewer": "a0123"}),
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("stage_not_found"))
    );

    // No second replica: no second stage, and the owner's stage keeps
    // carrying the stream.
    let (status, body) = api::call(
        server.http,
        "POST",
        &format!("{base}/stages"),
        Some(&host),
        &Value::Null,
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("stage_conflict")),
        "{body}"
    );
    let stage = stages[0]["id"].as_str().unwrap();
    let replication = format!("{base}/stages/{stage}/replication");
    let (status, body) = api::call(
        server.http,
        "DELETE",
        &replication,
        Some(&host),
        &Value::Null,
    );
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("stage_conflict")),
        "{body}"
    );

    // A member who is not an admin may watch but not control.
    let fan = api::register(server.http, "fan");
    let mut socket = RoomSocket::connect(server.http, &room, &fan);
    socket.send(&json!({"type": "join"}));
    assert!(socket.wait_for(WAIT, |m| m["type"] == "welcome").is_some());
    let (status, seat) = api::call(
        server.http,
        "POST",
        &format!("{base}/watch"),
        Some(&fan),
        &Value::Null,
    );
    assert_eq!(status, 200, "{seat}");
    let viewer = seat["viewer"].as_str().unwrap();
    let digits = viewer.strip_prefix('u').unwrap_or_default();
    assert!(
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
        "{seat}"
    );
    assert!(
        seat["flv"]
            .as_str()
            .unwrap()
            .ends_with(&format!("viewer={viewer}")),
        "{seat}"
    );
    for (method, path) in [
        ("GET", format!("{base}/publisher")),
        ("GET", format!("{base}/stages")),
        ("POST", format!("{base}/stages")),
        ("POST", replication.clone()),
        ("DELETE", replication.clone()),
    ] {
        let (status, body) = api::call(server.http, method, &path, Some(&fan), &Value::Null);
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "permission_denied", "{body}");
    }
}
