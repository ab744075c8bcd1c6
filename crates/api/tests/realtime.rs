//! Rooms in real time with real clients: several WebSocket clients (JSON
//! and protobuf) and a gRPC client in one room, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use common::realtime::{Client, Server};
use common::Store;
use serde_json::{json, Value};

fn config() -> rooms::RoomsConfig {
    rooms::RoomsConfig::default()
}

/// The events of a list from `seq` on (a client's view of the room).
fn from_seq(events: &[Value], seq: u64) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() >= seq)
        .cloned()
        .collect()
}

async fn everyone_sees_the_same_events_in_order(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let room = server.room(&host, json!({"name": "movie night"})).await;

    let mut clients = vec![
        Client::ws(&server, &room, Some(&host), false).await,
        Client::ws(&server, &room, Some(&ann), true).await,
        Client::grpc(&server, &room, &bob).await,
    ];
    let mut welcome_seqs = Vec::new();
    for client in &mut clients {
        let welcome = client.join(None, "").await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        welcome_seqs.push(welcome["seq"].as_u64().unwrap());
    }
    let everyone_in = *welcome_seqs.last().unwrap();
    assert_eq!(
        welcome_seqs[0] + 2,
        everyone_in,
        "two more joins after the host"
    );

    clients[0]
        .send(json!({"type": "chat", "text": "hi all", "request_id": "c1"}))
        .await;
    clients[1]
        .send(json!({"type": "danmaku", "text": "wow", "color": 16711680}))
        .await;
    clients[2]
        .send(json!({"type": "chat", "text": "hello from grpc", "request_id": "c2"}))
        .await;
    let last = everyone_in + 3;

    let mut seen = Vec::new();
    for client in &mut clients {
        seen.push(from_seq(
            &client.events_through(last).await,
            everyone_in + 1,
        ));
    }
    assert_eq!(seen[0].len(), 3, "{:?}", seen[0]);
    assert_eq!(seen[0], seen[1], "JSON and protobuf WebSocket agree");
    assert_eq!(seen[0], seen[2], "WebSocket and gRPC agree");
    let seqs: Vec<u64> = seen[0].iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [everyone_in + 1, everyone_in + 2, everyone_in + 3]);
    let kinds: Vec<&str> = seen[0]
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["chat", "chat", "danmaku"]);

    // The host's ack says when its chat became visible.
    clients[0]
        .send(json!({"type": "time_ping", "client_time_ms": 5}))
        .await;
    let pong = clients[0].until("time_pong").await;
    assert_eq!(pong["client_time_ms"], 5);
    assert!(pong["received_ms"].as_i64().unwrap() <= pong["server_time_ms"].as_i64().unwrap());
}
on_both_backends!(same_events, everyone_sees_the_same_events_in_order);

async fn a_late_joiner_gets_the_position_at_send_time(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "cinema"})).await;
    let mut first = Client::ws(&server, &room, Some(&host), false).await;
    first.join(None, "").await;

    let (status, added) = server
        .api(
            "POST",
            &format!("/api/v1/rooms/{room}/playlist"),
            &host,
            json!({"url": "https://media.test/a.mp4", "duration_ms": 3_600_000}),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let item = added["item"]["id"].as_u64().unwrap();
    first
        .send(json!({"type": "set_current", "item_id": item, "request_id": "s1"}))
        .await;
    let started = first.until("playback_state").await;
    first
        .send(json!({"type": "seek", "position_ms": 90_000, "request_id": "k1"}))
        .await;
    let sought = first.until("playback_state").await;
    assert_eq!(started["playing"], true);
    assert_eq!(
        (sought["position_ms"].as_u64(), sought["playing"].as_bool()),
        (Some(90_000), Some(true))
    );

    let late = server.user("late").await;
    let mut late = Client::ws(&server, &room, Some(&late), true).await;
    let welcome = late.join(None, "").await;
    let playback = &welcome["playback"];
    let sent_at = welcome["server_time_ms"].as_i64().unwrap();
    assert_eq!(
        playback["at_ms"].as_i64(),
        Some(sent_at),
        "rebased to send time"
    );
    let elapsed = u64::try_from(sent_at - sought["at_ms"].as_i64().unwrap()).unwrap();
    assert_eq!(playback["position_ms"].as_u64(), Some(90_000 + elapsed));
    assert_eq!(playback["item_id"].as_u64(), Some(item));
    assert_eq!(welcome["playlist"][0]["url"], "https://media.test/a.mp4");
}
on_both_backends!(late_joiner, a_late_joiner_gets_the_position_at_send_time);

async fn a_welcome_longer_than_a_frame_arrives_whole(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "long"})).await;
    // Titles of two- and three-byte characters, so fragments must fall
    // between characters: the welcome is several frames long.
    for n in 0..60 {
        let title = format!("{n} {}", "é€".repeat(60));
        let body = json!({"url": format!("https://media.test/{n}.mp4"), "title": title});
        let uri = format!("/api/v1/rooms/{room}/playlist");
        // Adds are rate limited per member: wait and retry, a bounded number of times.
        let mut answer = server.api("POST", &uri, &host, body.clone()).await;
        for _ in 0..50 {
            if answer.0 != 429 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            answer = server.api("POST", &uri, &host, body.clone()).await;
        }
        assert_eq!(answer.0, 201, "{}", answer.1);
    }
    for protobuf in [false, true] {
        let mut client = Client::ws(&server, &room, Some(&host), protobuf).await;
        let welcome = client.join(None, "").await;
        assert!(welcome.to_string().len() > 2 * 8192, "spans frames");
        let playlist = welcome["playlist"].as_array().unwrap();
        assert_eq!(playlist.len(), 60);
        assert_eq!(playlist[59]["title"], format!("59 {}", "é€".repeat(60)));
    }
}
on_both_backends!(long_welcome, a_welcome_longer_than_a_frame_arrives_whole);

async fn a_reconnecting_client_gets_exactly_what_it_missed(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let room = server.room(&host, json!({"name": "resume"})).await;
    let mut host_client = Client::ws(&server, &room, Some(&host), false).await;
    host_client.join(None, "").await;
    let mut ann_client = Client::grpc(&server, &room, &ann).await;
    let welcome = ann_client.join(None, "").await;
    let last_seq = welcome["seq"].as_u64().unwrap();
    drop(ann_client);
    host_client.until("member_left").await;

    for text in ["one", "two", "three"] {
        host_client
            .send(json!({"type": "chat", "text": text}))
            .await;
    }
    for _ in 0..3 {
        host_client.until("chat").await;
    }
    let mut ann_client = Client::ws(&server, &room, Some(&ann), false).await;
    let resumed = ann_client.join(Some(last_seq), "").await;
    assert_eq!(resumed["type"], "resumed", "{resumed}");
    let missed = resumed["missed"].as_u64().unwrap();
    let mut events = Vec::new();
    for _ in 0..missed {
        events.push(ann_client.next_event().await);
    }
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (last_seq + 1..=last_seq + missed).collect();
    assert_eq!(seqs, expected, "every event after last_seq, in order, once");
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["member_left", "chat", "chat", "chat", "member_joined"]
    );
    let texts: Vec<&str> = events.iter().filter_map(|e| e["text"].as_str()).collect();
    assert_eq!(texts, ["one", "two", "three"]);

    // A seq the room never reached gets a fresh welcome.
    let mut again = Client::ws(&server, &room, Some(&ann), false).await;
    let fresh = again.join(Some(last_seq + 10_000), "").await;
    assert_eq!(fresh["type"], "welcome");
}
on_both_backends!(resume, a_reconnecting_client_gets_exactly_what_it_missed);

/// A client that was away longer than the room's backlog gets a fresh
/// welcome (the whole state), not a partial list of what it missed.
async fn a_client_away_past_the_backlog_gets_a_fresh_welcome(store: Store) {
    let mut rooms = config();
    rooms.limits.backlog = 4;
    rooms.limits.chat_rate = room::RateLimit {
        burst: 100,
        every_ms: 1,
    };
    let server = Server::start(store, rooms).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "away"})).await;
    let mut host_client = Client::ws(&server, &room, Some(&host), false).await;
    let last_seq = host_client.join(None, "").await["seq"].as_u64().unwrap();
    for text in ["one", "two", "three", "four", "five", "six"] {
        host_client
            .send(json!({"type": "chat", "text": text}))
            .await;
        host_client.until("chat").await;
    }
    for protobuf in [false, true] {
        let mut again = Client::ws(&server, &room, Some(&host), protobuf).await;
        let fresh = again.join(Some(last_seq), "").await;
        assert_eq!(fresh["type"], "welcome", "{fresh}");
        assert!(fresh["seq"].as_u64().unwrap() >= last_seq + 6, "{fresh}");
        let chats: Vec<&str> = fresh["chat"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        assert_eq!(chats, ["one", "two", "three", "four", "five", "six"]);
    }
}
on_both_backends!(
    resume_too_old,
    a_client_away_past_the_backlog_gets_a_fresh_welcome
);

async fn a_stalled_client_is_cut_off_while_the_others_keep_receiving(store: Store) {
    let mut rooms = config();
    rooms.queue_messages = 16;
    rooms.limits.chat_rate = room::RateLimit {
        burst: 1_000,
        every_ms: 1,
    };
    // Big messages, so that the kernel's socket buffers (up to 4 MiB) fill.
    rooms.limits.chat_chars = 60_000;
    let server = Server::start(store, rooms).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let stuck = server.user("stuck").await;
    let room = server.room(&host, json!({"name": "busy"})).await;
    let mut talker = Client::ws(&server, &room, Some(&host), true).await;
    talker.join(None, "").await;
    let mut listener = Client::grpc(&server, &room, &ann).await;
    let start = listener.join(None, "").await["seq"].as_u64().unwrap();
    let mut stalled = Client::ws_small_buffer(&server, &room, &stuck).await;
    stalled.join(None, "").await;

    let text = "x".repeat(60_000);
    let messages = 200;
    let (cut_off, was_cut_off) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn(async move {
        // The stalled join, every chat, and the stalled member leaving.
        let mut cut_off = Some(cut_off);
        let mut events = Vec::new();
        loop {
            let event = listener.next_event().await;
            if event["type"] == "member_left" {
                // The stalled client reads again once it is gone from the
                // room, while the server is still closing its connection.
                if let Some(cut_off) = cut_off.take() {
                    let _ = cut_off.send(());
                }
            }
            let seq = event["seq"].as_u64().unwrap();
            events.push(event);
            if seq >= start + 2 + messages {
                return (listener, events);
            }
        }
    });
    let drained = tokio::spawn(async move {
        let _ = was_cut_off.await;
        stalled.chats_until_close().await
    });
    // The talker reads its acks as it goes, so only the stalled one lags.
    for batch in 0..messages / 10 {
        for n in 0..10 {
            let id = format!("m{batch}-{n}");
            talker
                .send(json!({"type": "chat", "text": text, "request_id": id}))
                .await;
        }
        for _ in 0..10 {
            talker.until("ack").await;
        }
    }
    let (_listener, events) = reader.await.unwrap();
    let chats: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "chat")
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(chats.len() as u64, messages, "the listener got every chat");
    assert!(chats.windows(2).all(|w| w[0] < w[1]));
    let left: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "member_left")
        .collect();
    assert_eq!(left.len(), 1, "the stalled member went offline");
    assert_eq!(left[0]["user_id"], 3);

    let (got, close) = drained.await.unwrap();
    assert!(
        (got as u64) < messages,
        "the stalled client was cut off after {got} chats"
    );
    assert_eq!(
        close,
        Some((4000, "too_slow".to_owned())),
        "the close says why"
    );
}
on_both_backends!(
    stalled,
    a_stalled_client_is_cut_off_while_the_others_keep_receiving
);

async fn joining_checks_passwords_and_guests(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let locked = server
        .room(&host, json!({"name": "locked", "password": "sesame"}))
        .await;
    let mut wrong = Client::ws(&server, &locked, Some(&ann), false).await;
    let refused = wrong.join(None, "guess").await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("wrong_password"))
    );
    assert!(wrong.next().await.is_none(), "closed after the refusal");
    let mut right = Client::ws(&server, &locked, Some(&ann), false).await;
    assert_eq!(right.join(None, "sesame").await["type"], "welcome");
    let mut back = Client::ws(&server, &locked, Some(&ann), false).await;
    assert_eq!(
        back.join(None, "").await["type"],
        "welcome",
        "members come back without it"
    );

    let mut guest = Client::ws(&server, &locked, None, false).await;
    assert_eq!(guest.join(None, "").await["code"], "guests_not_allowed");
    let open = server
        .room(&host, json!({"name": "open", "guests_allowed": true}))
        .await;
    let mut guest = Client::ws(&server, &open, None, false).await;
    let welcome = guest.join(None, "").await;
    assert_eq!(welcome["type"], "welcome");
    assert!(welcome["user_id"].as_u64().unwrap() >= 1 << 52);
}
on_both_backends!(passwords, joining_checks_passwords_and_guests);

async fn kicked_members_and_closed_rooms_lose_their_connections(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let ann = server.user("ann").await;
    let room = server.room(&host, json!({"name": "strict"})).await;
    let mut host_client = Client::ws(&server, &room, Some(&host), false).await;
    host_client.join(None, "").await;
    let mut ann_client = Client::ws(&server, &room, Some(&ann), false).await;
    let ann_id = ann_client.join(None, "").await["user_id"].as_u64().unwrap();

    let (status, body) = server
        .api(
            "POST",
            &format!("/api/v1/rooms/{room}/members/{ann_id}/kick"),
            &ann,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let (status, _) = server
        .api(
            "POST",
            &format!("/api/v1/rooms/{room}/members/{ann_id}/kick"),
            &host,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ann_client.until("member_kicked").await["user_id"].as_u64(),
        Some(ann_id)
    );
    assert!(
        ann_client.next().await.is_none(),
        "the kicked member is disconnected"
    );
    host_client.until("member_kicked").await;

    // A site ban (the host is the site's first account, an admin) closes
    // the account's connections everywhere.
    let bob = server.user("bob").await;
    let mut bob_client = Client::grpc(&server, &room, &bob).await;
    let bob_id = bob_client.join(None, "").await["user_id"].as_u64().unwrap();
    let (status, _) = server
        .api(
            "POST",
            &format!("/api/v1/admin/users/{bob_id}/ban"),
            &host,
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert!(
        bob_client.next_until_closed().await,
        "a banned account is disconnected"
    );
    let left = host_client.until("member_left").await;
    assert_eq!(left["user_id"].as_u64(), Some(bob_id));

    let (status, _) = server
        .api("DELETE", &format!("/api/v1/rooms/{room}"), &host, json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        host_client.until("room_closed").await["type"],
        "room_closed"
    );
    assert!(host_client.next().await.is_none());
}
on_both_backends!(
    kick_and_close,
    kicked_members_and_closed_rooms_lose_their_connections
);

async fn bad_frames_get_clear_errors_and_keep_the_connection(store: Store) {
    let server = Server::start(store, config()).await;
    let host = server.user("host").await;
    let room = server.room(&host, json!({"name": "noisy"})).await;
    let mut client = Client::ws(&server, &room, Some(&host), false).await;
    client.join(None, "").await;
    for (frame, code) in [
        ("not json".to_owned(), "bad_message"),
        (r#"{"type":"fly"}"#.to_owned(), "bad_message"),
        (
            r#"{"type":"seek","position_ms":"x"}"#.to_owned(),
            "bad_message",
        ),
        (r#"{"type":"play","request_id":""}"#.to_owned(), "empty"),
        (
            format!(r#"{{"type":"chat","text":"{}"}}"#, "y".repeat(70_000)),
            "too_large",
        ),
        (
            r#"{"type":"join","last_seq":null}"#.to_owned(),
            "already_joined",
        ),
        (
            r#"{"type":"seek","position_ms":5,"request_id":"s"}"#.to_owned(),
            "no_current_item",
        ),
    ] {
        client.send_raw(frame).await;
        let error = client.until("error").await;
        assert_eq!(error["code"], code, "{error}");
    }
    // Bursts of 5, then one a second: ten at once cannot all pass.
    for n in 0..10 {
        let chat = json!({"type": "chat", "text": format!("m{n}"), "request_id": format!("r{n}")});
        client.send(chat).await;
    }
    let limited = client.until("error").await;
    assert_eq!(limited["code"], "rate_limited", "{limited}");
    assert!(limited["request_id"].as_str().unwrap().starts_with('r'));
    assert!(limited["retry_after_ms"].as_u64().unwrap() > 0);

    // A frame beyond what the WebSocket layer takes ends that connection only.
    client.send_raw("z".repeat(300_000)).await;
    assert!(client.next_until_closed().await, "closed");
    let mut other = Client::ws(&server, &room, Some(&host), true).await;
    assert_eq!(other.join(None, "").await["type"], "welcome");
}
on_both_backends!(
    bad_frames,
    bad_frames_get_clear_errors_and_keep_the_connection
);
