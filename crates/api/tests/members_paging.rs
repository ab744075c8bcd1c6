//! `GET /api/v1/rooms/{id}/members` a page at a time: every member exactly
//! once by following `next_after`, the online filter, the count, and a
//! clear 400 for a bad query, on both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::caller::{callers, code, new_room, register, Caller};
use common::{app, Store};
use serde_json::{json, Value};

/// Every page of `query` from the start, and the pages' sizes.
async fn all_pages(caller: &Caller<'_>, base: &str, query: &str) -> (Vec<Value>, Vec<usize>) {
    let mut members = Vec::new();
    let mut sizes = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = caller.get(&format!("{base}/members?{query}{after}")).await;
        assert_eq!(status, 200, "{page}");
        let list = page["members"].as_array().unwrap();
        sizes.push(list.len());
        members.extend(list.iter().cloned());
        match page["next_after"].as_u64() {
            Some(next) => after = format!("&after={next}"),
            None => return (members, sizes),
        }
        assert!(sizes.len() < 100, "paging does not end");
    }
}

async fn members_come_a_page_at_a_time(store: Store) {
    let app = app(store);
    let names = ["host", "ann", "bob", "cat", "dan", "eve", "fay", "gus"];
    let tokens = register(&app, names).await;
    let all = callers(&app, &tokens);
    let host = &all[0];
    let base = new_room(host, "r").await;
    for member in &all[1..] {
        let (status, body) = member
            .send("POST", &format!("{base}/join"), Some(json!({})))
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let (members, sizes) = all_pages(host, &base, "limit=3").await;
    assert_eq!(sizes, [3, 3, 2]);
    let ids: Vec<u64> = members
        .iter()
        .map(|m| m["user_id"].as_u64().unwrap())
        .collect();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "each member once: {ids:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in user id order");

    let (_, first) = host.get(&format!("{base}/members?limit=3")).await;
    assert_eq!(first["banned"], json!([]));
    assert_eq!(
        first["online"],
        json!(0),
        "nobody has a realtime connection"
    );
    let (online, _) = all_pages(host, &base, "online=true&limit=3").await;
    assert!(online.is_empty(), "{online:?}");

    let (_, whole) = host.get(&format!("{base}/members")).await;
    assert_eq!(whole["members"].as_array().unwrap().len(), names.len());
    assert_eq!(whole["next_after"], Value::Null);

    let bad = host.get(&format!("{base}/members?limit=lots")).await;
    assert_eq!(code(&bad), (400, "bad_request"));
}
on_both_backends!(members_paging, members_come_a_page_at_a_time);
