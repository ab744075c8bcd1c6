//! What a room's routes refuse, and with which status and code: commands
//! without the permission or against a higher role, unknown items and
//! rooms, callers who are not members, and callers who go too fast
//! (through the router, on both backends).
#![allow(clippy::unwrap_used)]

mod common;

use common::caller::{callers, code, new_room, register, Caller};
use common::{app, app_with_rooms, Store};
use serde_json::json;

async fn playlist_commands_are_refused_without_permission_or_item(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["host", "ann", "bob"]).await;
    let [host, ann, bob] = callers(&app, &tokens);
    let base = new_room(&host, "r").await;
    let playlist = format!("{base}/playlist");
    ann.send("POST", &format!("{base}/join"), Some(json!({})))
        .await;
    for n in [1, 2] {
        let url = format!("https://media.test/{n}.mp4");
        let added = host
            .send("POST", &playlist, Some(json!({"url": url})))
            .await;
        assert_eq!(added.0, 201, "{}", added.1);
    }
    let (_, members) = host.get(&format!("{base}/members")).await;
    let ann_id = members["members"][1]["user_id"].as_u64().unwrap();
    // Ann keeps add_item only: no set_current, no edit_item.
    let only_add = Some(json!({"permissions": 1}));
    let set = host
        .send(
            "PUT",
            &format!("{base}/members/{ann_id}/permissions"),
            only_add,
        )
        .await;
    assert_eq!(set.0, 200, "{}", set.1);

    let current = format!("{playlist}/current");
    let choose = |item: u64| Some(json!({"item_id": item, "request_id": format!("c{item}")}));
    assert_eq!(
        code(&ann.send("PUT", &current, choose(1)).await),
        (403, "permission_denied")
    );
    assert_eq!(
        code(&bob.send("PUT", &current, choose(1)).await),
        (403, "not_a_member")
    );
    assert_eq!(
        code(&host.send("PUT", &current, choose(99)).await),
        (404, "item_not_found")
    );

    let first_last = Some(json!({"after": 2}));
    assert_eq!(
        code(
            &ann.send("POST", &format!("{playlist}/1/move"), first_last.clone())
                .await
        ),
        (403, "permission_denied"),
        "moving another's item needs edit_item"
    );
    assert_eq!(
        code(
            &host
                .send("POST", &format!("{playlist}/99/move"), first_last)
                .await
        ),
        (404, "item_not_found")
    );
    let (_, now) = host.get(&playlist).await;
    let ids: Vec<u64> = now["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2], "nothing moved");
    assert_eq!(now["playback"]["item_id"], json!(null), "nothing chosen");
}
on_both_backends!(
    playlist,
    playlist_commands_are_refused_without_permission_or_item
);

/// The members of a room as the creator sees them, by name.
async fn member_ids(host: &Caller<'_>, base: &str) -> Vec<(String, u64)> {
    let (status, list) = host.get(&format!("{base}/members")).await;
    assert_eq!(status, 200, "{list}");
    list["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let name = m["name"].as_str().unwrap().to_owned();
            (name, m["user_id"].as_u64().unwrap())
        })
        .collect()
}

async fn member_commands_respect_permissions_and_rank(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["host", "alice", "ann", "bob"]).await;
    let [host, alice, ann, bob] = callers(&app, &tokens);
    let base = new_room(&host, "r").await;
    for member in [&alice, &ann, &bob] {
        let joined = member
            .send("POST", &format!("{base}/join"), Some(json!({})))
            .await;
        assert_eq!(joined.0, 200, "{}", joined.1);
    }
    let ids = member_ids(&host, &base).await;
    let id = |name: &str| ids.iter().find(|(n, _)| n == name).unwrap().1;
    let member = |name: &str| format!("{base}/members/{}", id(name));
    let admin = Some(json!({"role": "admin"}));
    let promoted = host
        .send("PUT", &format!("{}/role", member("alice")), admin)
        .await;
    assert_eq!(promoted.0, 200, "{}", promoted.1);
    let permissions = |name: &str| format!("{}/permissions", member(name));
    // Alice, an admin, and Ann, a member, manage members and chat; nothing
    // else.
    let manage_and_chat = Some(json!({"permissions": 128 | 32}));
    for name in ["alice", "ann"] {
        let granted = host
            .send("PUT", &permissions(name), manage_and_chat.clone())
            .await;
        assert_eq!(granted.0, 200, "{}", granted.1);
    }

    let chat_only = Some(json!({"permissions": 32}));
    for (caller, target) in [
        (&ann, "alice"),
        (&ann, "host"),
        (&alice, "host"),
        (&ann, "bob"),
    ] {
        assert_eq!(
            code(
                &caller
                    .send("PUT", &permissions(target), chat_only.clone())
                    .await
            ),
            (403, "outranked"),
            "{target}"
        );
        assert_eq!(
            code(
                &caller
                    .send("POST", &format!("{}/ban", member(target)), None)
                    .await
            ),
            (403, "outranked"),
            "{target}"
        );
    }
    let go_live = Some(json!({"permissions": 256}));
    assert_eq!(
        code(&alice.send("PUT", &permissions("bob"), go_live).await),
        (403, "permission_denied"),
        "nobody grants what they do not hold"
    );
    let muted = alice.send("PUT", &permissions("bob"), chat_only).await;
    assert_eq!(muted.0, 200, "{}", muted.1);

    // Bob, left with chat only, manages nobody.
    let ban_ann = format!("{}/ban", member("ann"));
    assert_eq!(
        code(&bob.send("POST", &ban_ann, None).await),
        (403, "permission_denied")
    );
    assert_eq!(
        code(&bob.send("DELETE", &ban_ann, None).await),
        (403, "permission_denied")
    );
    let (_, list) = host.get(&format!("{base}/members")).await;
    assert_eq!(list["banned"], json!([]), "nobody was banned");
    let unknown_room = format!("/api/v1/rooms/no-such-room/members/{}/ban", id("ann"));
    assert_eq!(
        code(&host.send("DELETE", &unknown_room, None).await),
        (404, "room_not_found")
    );
}
on_both_backends!(members, member_commands_respect_permissions_and_rank);

async fn strangers_see_neither_members_nor_play_urls(store: Store) {
    let app = app(store);
    // The first account is the site admin, who sees every room.
    let tokens = register(&app, ["host", "eve"]).await;
    let [host, eve] = callers(&app, &tokens);
    let base = new_room(&host, "r").await;
    for path in ["members", "live/play-url"] {
        assert_eq!(
            code(&eve.get(&format!("{base}/{path}")).await),
            (403, "permission_denied"),
            "{path}"
        );
        assert_eq!(host.get(&format!("{base}/{path}")).await.0, 200, "{path}");
    }
}
on_both_backends!(strangers, strangers_see_neither_members_nor_play_urls);

async fn only_site_admins_lift_account_bans(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["admin", "ann"]).await;
    let [admin, ann] = callers(&app, &tokens);
    let (_, me) = ann.get("/api/v1/auth/me").await;
    let ban = format!("/api/v1/admin/users/{}/ban", me["id"].as_u64().unwrap());
    let (_, me) = admin.get("/api/v1/auth/me").await;
    let admin_ban = format!("/api/v1/admin/users/{}/ban", me["id"].as_u64().unwrap());
    assert_eq!(
        code(&ann.send("DELETE", &admin_ban, None).await),
        (403, "permission_denied")
    );
    assert_eq!(
        code(&ann.send("DELETE", &ban, None).await),
        (403, "permission_denied"),
        "not even for itself"
    );
    assert_eq!(
        code(
            &admin
                .send("DELETE", "/api/v1/admin/users/999/ban", None)
                .await
        ),
        (404, "user_not_found")
    );
}
on_both_backends!(admin_unban, only_site_admins_lift_account_bans);

async fn room_commands_faster_than_the_pace_are_rate_limited(store: Store) {
    let mut rooms = rooms::RoomsConfig::default();
    // Three at once, then one an hour: no test outlasts that.
    rooms.limits.control_rate = room::RateLimit {
        burst: 3,
        every_ms: 3_600_000,
    };
    let app = app_with_rooms(store, rooms);
    let tokens = register(&app, ["host", "ann"]).await;
    let [host, ann] = callers(&app, &tokens);
    let base = new_room(&host, "r").await;
    let playlist = format!("{base}/playlist");
    let add = |n: u32| Some(json!({"url": format!("https://media.test/{n}.mp4")}));
    for n in 1..=3 {
        let added = host.send("POST", &playlist, add(n)).await;
        assert_eq!(added.0, 201, "{}", added.1);
    }
    let limited = host.send("POST", &playlist, add(4)).await;
    assert_eq!(code(&limited), (429, "rate_limited"));
    assert_eq!(
        code(&host.send("DELETE", &format!("{playlist}/1"), None).await),
        (429, "rate_limited"),
        "every playlist command shares the pace"
    );
    // The pace is per member.
    ann.send("POST", &format!("{base}/join"), Some(json!({})))
        .await;
    assert_eq!(ann.send("POST", &playlist, add(5)).await.0, 201);
    let (_, now) = ann.get(&playlist).await;
    assert_eq!(now["items"].as_array().map(Vec::len), Some(4));
}
on_both_backends!(
    control_pace,
    room_commands_faster_than_the_pace_are_rate_limited
);

async fn repeated_wrong_join_passwords_are_rate_limited(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["host", "ann"]).await;
    let [host, ann] = callers(&app, &tokens);
    let body = json!({"name": "r", "password": "right"});
    let (status, room) = host.send("POST", "/api/v1/rooms", Some(body)).await;
    assert_eq!(status, 201, "{room}");
    let join = format!("/api/v1/rooms/{}/join", room["id"].as_str().unwrap());
    let attempt = |password: &str| Some(json!({ "password": password }));
    let mut answers = Vec::new();
    for _ in 0..12 {
        let answer = ann.send("POST", &join, attempt("wrong")).await;
        answers.push(code(&answer).0);
    }
    // Login, register and join passwords share one budget per address
    // (10 at once); the two registers above took two of them.
    assert_eq!(answers[..8], [403; 8], "{answers:?}");
    assert_eq!(answers[8..], [429; 4], "{answers:?}");
    let right = ann.send("POST", &join, attempt("right")).await;
    assert_eq!(code(&right), (429, "rate_limited"), "a right one waits too");
}
on_both_backends!(
    join_password_rate_limit,
    repeated_wrong_join_passwords_are_rate_limited
);
