//! A room's playlist, members, settings, join and chat history over HTTP,
//! and site administration, through the router on both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::caller::{callers, code, new_room, register, Caller};
use common::{app, call, token_for, Store};
use serde_json::{json, Value};

async fn the_playlist_changes_through_the_room(store: Store) {
    let app = app(store.clone());
    let (host_token, ann_token) = (token_for(&app, "host").await, token_for(&app, "ann").await);
    let host = Caller {
        app: &app,
        token: &host_token,
    };
    let ann = Caller {
        app: &app,
        token: &ann_token,
    };
    let (_, room) = host
        .send(
            "POST",
            "/api/v1/rooms",
            Some(json!({"name": "r", "password": "pw"})),
        )
        .await;
    let base = format!("/api/v1/rooms/{}", room["id"].as_str().unwrap());
    let playlist = format!("{base}/playlist");

    assert_eq!(code(&ann.get(&playlist).await), (403, "permission_denied"));
    let wrong = ann
        .send(
            "POST",
            &format!("{base}/join"),
            Some(json!({"password": "no"})),
        )
        .await;
    assert_eq!(code(&wrong), (403, "wrong_password"));
    let joined = ann
        .send(
            "POST",
            &format!("{base}/join"),
            Some(json!({"password": "pw"})),
        )
        .await;
    assert_eq!(joined.0, 200, "{}", joined.1);

    let added = ann
        .send(
            "POST",
            &playlist,
            Some(json!({"url": "https://media.test/a.mp4", "duration_ms": 60000})),
        )
        .await;
    assert_eq!(added.0, 201, "{}", added.1);
    assert_eq!(
        (
            added.1["item"]["id"].as_u64(),
            added.1["item"]["kind"].as_str()
        ),
        (Some(1), Some("mp4"))
    );
    let bad = ann
        .send(
            "POST",
            &playlist,
            Some(json!({"url": "ftp://media.test/a.mp4"})),
        )
        .await;
    assert_eq!(code(&bad), (400, "invalid_url"));
    assert_eq!(
        code(&ann.send("POST", &playlist, Some(json!({}))).await),
        (400, "bad_source")
    );
    let live = host
        .send(
            "POST",
            &playlist,
            Some(json!({"live": true, "title": "Tonight"})),
        )
        .await;
    assert_eq!(live.1["item"]["kind"], "live");

    let rename = Some(json!({"title": "A"}));
    assert_eq!(
        code(
            &ann.send("PATCH", &format!("{playlist}/2"), rename.clone())
                .await
        ),
        (403, "permission_denied")
    );
    assert_eq!(
        host.send("PATCH", &format!("{playlist}/1"), rename).await.0,
        200
    );
    let moved = host
        .send(
            "POST",
            &format!("{playlist}/2/move"),
            Some(json!({"after": null})),
        )
        .await;
    assert_eq!(moved.0, 200, "{}", moved.1);
    let current = Some(json!({"item_id": 1, "request_id": "c1"}));
    let first = ann
        .send("PUT", &format!("{playlist}/current"), current.clone())
        .await;
    let retry = ann
        .send("PUT", &format!("{playlist}/current"), current)
        .await;
    assert_eq!(
        (first.1["replayed"].as_bool(), retry.1["replayed"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(first.1["applied_seq"], retry.1["applied_seq"]);

    let (_, now) = ann.get(&playlist).await;
    let ids: Vec<u64> = now["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2, 1]);
    assert_eq!(now["items"][1]["title"], "A");
    assert_eq!(
        (
            now["playback"]["item_id"].as_u64(),
            now["playback"]["playing"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(
        code(&host.send("DELETE", &format!("{playlist}/9"), None).await),
        (404, "item_not_found")
    );

    // Another process on the same storage sees the same room.
    let again = app_again(store).await;
    let reloaded = Caller {
        app: &again,
        token: &ann_token,
    }
    .get(&playlist)
    .await;
    assert_eq!(reloaded.1["items"], now["items"], "stored as it changed");
    assert_eq!(reloaded.1["playback"]["item_id"].as_u64(), Some(1));

    assert_eq!(host.send("DELETE", &playlist, None).await.0, 200);
    assert_eq!(ann.get(&playlist).await.1["items"], json!([]));
}
on_both_backends!(playlist, the_playlist_changes_through_the_room);

async fn app_again(store: Store) -> axum::Router {
    app(store)
}

async fn members_are_managed_by_those_allowed(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["host", "ann", "bob"]).await;
    let [host, ann, bob] = callers(&app, &tokens);
    let (_, room) = host
        .send("POST", "/api/v1/rooms", Some(json!({"name": "r"})))
        .await;
    let base = format!("/api/v1/rooms/{}", room["id"].as_str().unwrap());
    ann.send("POST", &format!("{base}/join"), Some(json!({})))
        .await;
    let (_, list) = host.get(&format!("{base}/members")).await;
    let roles: Vec<&str> = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["creator", "member"]);
    let ann_id = list["members"][1]["user_id"].as_u64().unwrap();
    let member = format!("{base}/members/{ann_id}");

    assert_eq!(
        code(&bob.send("POST", &format!("{member}/kick"), None).await),
        (403, "not_a_member")
    );
    assert_eq!(
        code(
            &ann.send(
                "PUT",
                &format!("{member}/role"),
                Some(json!({"role": "admin"}))
            )
            .await
        )
        .0,
        403
    );
    assert_eq!(
        code(
            &host
                .send(
                    "PUT",
                    &format!("{member}/role"),
                    Some(json!({"role": "king"}))
                )
                .await
        ),
        (400, "bad_role")
    );
    assert_eq!(
        host.send(
            "PUT",
            &format!("{member}/role"),
            Some(json!({"role": "admin"}))
        )
        .await
        .0,
        200
    );
    let custom = host
        .send(
            "PUT",
            &format!("{member}/permissions"),
            Some(json!({"permissions": 1})),
        )
        .await;
    assert_eq!(custom.0, 200, "{}", custom.1);
    let (_, list) = ann.get(&format!("{base}/members")).await;
    assert_eq!(
        (
            list["members"][1]["role"].as_str(),
            list["members"][1]["permissions"].as_u64()
        ),
        (Some("admin"), Some(1))
    );

    assert_eq!(
        host.send("POST", &format!("{member}/ban"), None).await.0,
        200
    );
    assert_eq!(
        host.get(&format!("{base}/members")).await.1["banned"],
        json!([ann_id])
    );
    assert_eq!(
        code(
            &ann.send("POST", &format!("{base}/join"), Some(json!({})))
                .await
        ),
        (403, "banned")
    );
    assert_eq!(
        host.send("DELETE", &format!("{member}/ban"), None).await.0,
        200
    );
    assert_eq!(
        ann.send("POST", &format!("{base}/join"), Some(json!({})))
            .await
            .0,
        200
    );

    let change = Some(json!({"name": "renamed", "password": "pw", "hidden": true}));
    assert_eq!(
        code(&ann.send("PATCH", &base, change.clone()).await),
        (403, "permission_denied")
    );
    let (status, settings) = host.send("PATCH", &base, change).await;
    assert_eq!(
        (
            status,
            settings["name"].as_str(),
            settings["has_password"].as_bool()
        ),
        (200, Some("renamed"), Some(true))
    );
    let both = Some(json!({"password": "x", "remove_password": true}));
    assert_eq!(
        code(&host.send("PATCH", &base, both).await),
        (400, "bad_password_change")
    );
    assert_eq!(
        host.get(&format!("{base}/chat?limit=10")).await,
        (200, json!([]))
    );
    assert_eq!(
        code(&bob.get(&format!("{base}/chat")).await),
        (403, "permission_denied")
    );
}
on_both_backends!(members, members_are_managed_by_those_allowed);

async fn site_admins_ban_accounts(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["admin", "ann"]).await;
    let [admin, ann] = callers(&app, &tokens);
    let (status, users) = admin.get("/api/v1/admin/users").await;
    assert_eq!((status, users.as_array().map(Vec::len)), (200, Some(2)));
    assert_eq!(
        code(&ann.get("/api/v1/admin/users").await),
        (403, "permission_denied")
    );
    let ann_id = users[1]["id"].as_u64().unwrap();
    let ban = format!("/api/v1/admin/users/{ann_id}/ban");
    assert_eq!(admin.send("POST", &ban, None).await.0, 204);
    // A banned account's sessions stop working (and it cannot log in).
    assert_eq!(
        code(&ann.get("/api/v1/auth/me").await),
        (401, "unauthenticated")
    );
    assert_eq!(admin.send("DELETE", &ban, None).await.0, 204);
    // Unbanned, the account signs in again (its old sessions were revoked).
    let login = common::post(
        "/api/v1/auth/login",
        json!({"username": "ann", "password": "correct horse"}),
    );
    assert_eq!(call(&app, login).await.0, 200);
    assert_eq!(
        code(
            &admin
                .send("POST", "/api/v1/admin/users/999/ban", None)
                .await
        ),
        (404, "user_not_found")
    );
}
on_both_backends!(admin, site_admins_ban_accounts);

fn item_ids(playlist: &Value) -> Vec<u64> {
    playlist["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect()
}

async fn items_are_deleted_by_their_adder_or_with_delete_item(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["host", "ann"]).await;
    let [host, ann] = callers(&app, &tokens);
    let base = new_room(&host, "r").await;
    let playlist = format!("{base}/playlist");
    ann.send("POST", &format!("{base}/join"), Some(json!({})))
        .await;
    for (who, n) in [(&host, 1), (&host, 2), (&ann, 3)] {
        let url = format!("https://media.test/{n}.mp4");
        let added = who.send("POST", &playlist, Some(json!({"url": url}))).await;
        assert_eq!(added.0, 201, "{}", added.1);
    }

    // Members lack delete_item: they delete only what they added.
    assert_eq!(
        code(&ann.send("DELETE", &format!("{playlist}/1"), None).await),
        (403, "permission_denied")
    );
    let own = ann.send("DELETE", &format!("{playlist}/3"), None).await;
    assert_eq!(own.0, 200, "{}", own.1);
    assert_eq!(
        code(&ann.send("DELETE", &playlist, None).await),
        (403, "permission_denied"),
        "clearing needs delete_item"
    );
    let deleted = host.send("DELETE", &format!("{playlist}/1"), None).await;
    assert_eq!(deleted.0, 200, "{}", deleted.1);
    assert!(deleted.1["applied_seq"].as_u64().unwrap() > own.1["applied_seq"].as_u64().unwrap());
    assert_eq!(item_ids(&ann.get(&playlist).await.1), [2]);
}
on_both_backends!(
    delete_items,
    items_are_deleted_by_their_adder_or_with_delete_item
);

async fn a_site_admin_deletes_anyones_room_but_never_bans_itself(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["admin", "ann"]).await;
    let [admin, ann] = callers(&app, &tokens);
    let base = new_room(&ann, "ann's room").await;
    assert_eq!(admin.send("DELETE", &base, None).await.0, 204);
    assert_eq!(code(&ann.get(&base).await), (404, "room_not_found"));

    let (_, me) = admin.get("/api/v1/auth/me").await;
    let own = format!("/api/v1/admin/users/{}/ban", me["id"].as_u64().unwrap());
    assert_eq!(
        code(&admin.send("POST", &own, None).await),
        (400, "cannot_ban_self")
    );
    assert_eq!(admin.get("/api/v1/auth/me").await.0, 200, "still signed in");
}
on_both_backends!(
    admin_rooms_and_self,
    a_site_admin_deletes_anyones_room_but_never_bans_itself
);

async fn a_banned_account_cannot_sign_in(store: Store) {
    let app = app(store);
    let tokens = register(&app, ["admin", "ann"]).await;
    let [admin, ann] = callers(&app, &tokens);
    let (_, me) = ann.get("/api/v1/auth/me").await;
    let ban = format!("/api/v1/admin/users/{}/ban", me["id"].as_u64().unwrap());
    assert_eq!(admin.send("POST", &ban, None).await.0, 204);
    let login = |password: &str| {
        common::post(
            "/api/v1/auth/login",
            json!({"username": "ann", "password": password}),
        )
    };
    let (status, body, headers) = call(&app, login("correct horse")).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (403, Some("banned"))
    );
    assert!(headers.get("set-cookie").is_none(), "no session is started");
    let (status, body, _) = call(&app, login("wrong password")).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("bad_credentials")),
        "a wrong password does not tell the account is banned"
    );
}
on_both_backends!(banned_login, a_banned_account_cannot_sign_in);
