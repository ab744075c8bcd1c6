//! The OpenAPI document: served as JSON at `/api/v1/openapi.json`, naming
//! every route of the router (read from its source) and nothing else, and
//! each documented operation reaching a handler that answers as documented.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{app, call, token_for, Store};
use serde_json::Value;

const DOCUMENT: &str = include_str!("../src/openapi.json");
const ROUTER: &str = include_str!("../src/router.rs");
/// Each route group router.rs merges: its module and its source.
const GROUPS: [(&str, &str); 12] = [
    ("status", include_str!("../src/status.rs")),
    ("hls", include_str!("../src/hls.rs")),
    ("flv_play", include_str!("../src/flv_play.rs")),
    ("auth", include_str!("../src/auth.rs")),
    ("admin", include_str!("../src/admin.rs")),
    ("room_routes", include_str!("../src/room_routes.rs")),
    ("room_settings", include_str!("../src/room_settings.rs")),
    ("playlist", include_str!("../src/playlist.rs")),
    ("members", include_str!("../src/members.rs")),
    ("room_live", include_str!("../src/room_live.rs")),
    ("room_stages", include_str!("../src/room_stages.rs")),
    ("realtime", include_str!("../src/realtime/mod.rs")),
];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
/// HTTP-FLV: the route `/flv/{stream}` (the router matches no suffix
/// after a parameter) takes `{stream}.flv`. Not called by
/// `call_every_operation`: a stream nobody publishes holds its caller for
/// the viewer hold.
const FLV: &str = "/flv/{stream}.flv";
const FLV_ROUTE: &str = "/flv/{stream}";

type Route = (String, String);

fn document() -> Value {
    serde_json::from_str(DOCUMENT).unwrap()
}

/// The text of every group's `routes()` that `router()` merges.
fn router_source() -> String {
    let start = ROUTER.find("pub fn router(").unwrap();
    let router = &ROUTER[start..];
    let router = &router[..router.find(".fallback(").unwrap()];
    let merged = router.matches(".merge(").count();
    assert_eq!(
        merged,
        GROUPS.len(),
        "a group is merged but not listed here"
    );
    let mut source = String::new();
    for (module, text) in GROUPS {
        assert!(
            router.contains(&format!(".merge({module}::routes(")),
            "router.rs does not merge {module}::routes()"
        );
        let start = text.find("fn routes(").unwrap();
        let body = &text[start..];
        source.push_str(&body[..body.find("\n}\n").unwrap()]);
    }
    source
}

/// Every (method, path) the groups declare with `.route(path, …)`.
fn router_routes() -> BTreeSet<Route> {
    let mut routes = BTreeSet::new();
    let source = router_source();
    for chunk in source.split(".route(").skip(1) {
        let chunk = chunk.split(".route_service(").next().unwrap();
        let path = chunk.split('"').nth(1).unwrap();
        let path = if path == FLV_ROUTE { FLV } else { path };
        for method in METHODS {
            if calls(chunk, method) {
                routes.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
    routes
}

/// The paths the groups hand to whole services (`.route_service(path, …)`).
fn router_services() -> Vec<String> {
    router_source()
        .split(".route_service(")
        .skip(1)
        .map(|chunk| chunk.split('"').nth(1).unwrap().to_owned())
        .collect()
}

/// Whether `text` calls `name(` as a word of its own: `get(` and
/// `.delete(`, not `rooms::get(` or `budget(`.
fn calls(text: &str, name: &str) -> bool {
    let pattern = format!("{name}(");
    text.match_indices(&pattern).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'))
    })
}

/// Every (method, path) the document describes.
fn documented_operations(doc: &Value) -> BTreeSet<Route> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// A concrete URI for a templated path: a room that does not exist, item
/// and user 1, stream `s` (not live), stage `s1` (not open).
fn sample_uri(path: &str) -> String {
    path.replace("{id}", "r1")
        .replace("{item}", "1")
        .replace("{user}", "1")
        .replace("{stream}", "s")
        .replace("{file}", "index.m3u8")
        .replace("{stage}", "s1")
}

/// A parameter object, following a `$ref` into the components.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').unwrap();
            doc.pointer(pointer).unwrap()
        }
        None => value,
    }
}

/// The error codes a documented error response lists, if it lists them.
fn documented_codes(response: &Value) -> Option<Vec<&str>> {
    let schema = &response["content"]["application/json"]["schema"];
    let codes = schema["allOf"]
        .as_array()?
        .iter()
        .find_map(|part| part.pointer("/properties/error/properties/code/enum"))?;
    Some(
        codes
            .as_array()?
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect(),
    )
}

#[tokio::test]
async fn the_document_is_served_as_json() {
    let app = app(Store::open_sqlite_memory().await.unwrap());
    let request = Request::get("/api/v1/openapi.json")
        .body(Body::empty())
        .unwrap();
    let (status, body, headers) = call(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(body, document());
    assert!(body["openapi"].as_str().unwrap().starts_with("3.1."));
}

#[test]
fn the_router_source_is_understood() {
    let routes = router_routes();
    assert!(routes.len() > 30, "{routes:?}");
    for (method, path) in [
        ("get", "/healthz"),
        ("get", "/hls/{stream}/{file}"),
        ("post", "/api/v1/admin/users/{user}/ban"),
        ("delete", "/api/v1/admin/users/{user}/ban"),
        ("patch", "/api/v1/rooms/{id}"),
        ("get", "/api/v1/rooms/{id}/ws"),
    ] {
        assert!(
            routes.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} not found in router.rs"
        );
    }
    assert!(!routes.iter().any(|(_, path)| path.contains("RoomService")));
}

#[test]
fn every_route_is_documented_and_every_documented_path_is_a_route() {
    let doc = document();
    let documented = documented_operations(&doc);
    let routes = router_routes();
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    assert!(undocumented.is_empty(), "not documented: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
    assert!(documented.contains(&("get".to_owned(), FLV.to_owned())));
}

#[test]
fn the_grpc_service_and_the_websocket_protocol_are_described() {
    let doc = document();
    let description = doc["info"]["description"].as_str().unwrap();
    let services = router_services();
    assert!(!services.is_empty());
    for service in services {
        let name = service.trim_start_matches('/');
        assert!(description.contains(name), "{name} not in info.description");
    }
    let ws = &doc["paths"]["/api/v1/rooms/{id}/ws"]["get"];
    assert!(ws["responses"].get("101").is_some());
    assert!(ws.to_string().contains("docs/realtime.md"));
}

#[test]
fn every_path_parameter_is_declared() {
    let doc = document();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('{')
            .skip(1)
            .map(|rest| rest.split('}').next().unwrap())
            .collect();
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let declared: Vec<&str> = [&item["parameters"], &operation["parameters"]]
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .map(|p| resolve(&doc, p))
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            for name in &names {
                assert!(declared.contains(name), "{method} {path}: {{{name}}}");
            }
            assert_eq!(declared.len(), names.len(), "{method} {path}");
        }
    }
}

#[test]
fn every_operation_says_who_may_call_it_and_how_it_fails() {
    let doc = document();
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][&method];
        assert!(operation["summary"].is_string(), "{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses
                .keys()
                .any(|status| status.starts_with('2') || status == "101"),
            "{method} {path}: no success response"
        );
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let codes = documented_codes(response);
                assert!(codes.is_some(), "{method} {path} {status}: no codes");
            }
        }
    }
}

/// The operations that can answer 429: joining (a password attempt shares
/// the login budget) and every room command sent over HTTP (the room's
/// control pace).
const RATE_LIMITED: [(&str, &str); 15] = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/rooms/{id}/join"),
    ("patch", "/api/v1/rooms/{id}"),
    ("post", "/api/v1/rooms/{id}/playlist"),
    ("delete", "/api/v1/rooms/{id}/playlist"),
    ("put", "/api/v1/rooms/{id}/playlist/current"),
    ("patch", "/api/v1/rooms/{id}/playlist/{item}"),
    ("delete", "/api/v1/rooms/{id}/playlist/{item}"),
    ("post", "/api/v1/rooms/{id}/playlist/{item}/move"),
    ("post", "/api/v1/rooms/{id}/members/{user}/kick"),
    ("post", "/api/v1/rooms/{id}/members/{user}/ban"),
    ("delete", "/api/v1/rooms/{id}/members/{user}/ban"),
    ("put", "/api/v1/rooms/{id}/members/{user}/role"),
    ("put", "/api/v1/rooms/{id}/members/{user}/permissions"),
];

#[test]
fn rate_limited_operations_document_429() {
    let doc = document();
    for (method, path) in RATE_LIMITED {
        let response = &doc["paths"][path][method]["responses"]["429"];
        assert_eq!(
            documented_codes(response),
            Some(vec!["rate_limited"]),
            "{method} {path}"
        );
    }
    let ready = &doc["paths"]["/readyz"]["get"]["responses"]["503"];
    assert_eq!(documented_codes(ready), Some(vec!["unavailable"]));
}

/// Calls every documented operation (JSON `{}` as the body), as `token`
/// with room `room` in the path: each reaches its handler, not the
/// router's fallback, and answers with a status, and for errors a code,
/// that the document lists. Signing out and deleting the room come last.
async fn call_every_operation(app: &axum::Router, token: Option<&str>, room: &str) {
    let doc = document();
    let mut operations: Vec<Route> = documented_operations(&doc).into_iter().collect();
    let last = |(method, path): &Route| {
        path == "/api/v1/auth/logout" || (method == "delete" && path == "/api/v1/rooms/{id}")
    };
    operations.sort_by_key(|op| last(op));
    for (method, path) in operations {
        if path == FLV {
            continue;
        }
        let uri = sample_uri(&path).replace("/rooms/r1", &format!("/rooms/{room}"));
        let mut request = Request::builder()
            .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
            .uri(&uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = Body::from(if method == "get" { "" } else { "{}" });
        let (status, body, _) = call(app, request.body(body).unwrap()).await;
        let code = body["error"]["code"].as_str();
        let fallback = status == StatusCode::NOT_FOUND && code == Some("not_found");
        assert!(!fallback, "{method} {uri}: the router's fallback answered");
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        let documented = &doc["paths"][&path][&method]["responses"][status.as_str()];
        assert!(
            documented.is_object(),
            "{method} {uri}: {status} is not documented ({body})"
        );
        if let (Some(code), Some(codes)) = (code, documented_codes(documented)) {
            assert!(
                codes.contains(&code),
                "{method} {uri}: {status} {code} is not documented"
            );
        }
    }
}

/// A new account's token and the id of the room it just created.
async fn creator_with_room(app: &axum::Router) -> (String, String) {
    let token = token_for(app, "ann").await;
    let request = Request::post("/api/v1/rooms")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"movie night"}"#))
        .unwrap();
    let (status, room, _) = call(app, request).await;
    assert_eq!(status, StatusCode::CREATED, "{room}");
    (token, room["id"].as_str().unwrap().to_owned())
}

/// `path` with each parameter filled in as in [`sample_uri`] (the room
/// being `room`), except `bad`, which is `%FF`: not UTF-8 once decoded.
fn uri_with_bad_segment(path: &str, room: &str, bad: &str) -> String {
    let mut uri = path.replace(&format!("{{{bad}}}"), "%FF");
    uri = uri.replace("{id}", room);
    sample_uri(&uri)
}

/// Each path parameter of every documented operation, in turn, as a
/// segment that is not UTF-8: a JSON 404 whose code the document lists,
/// never axum's plain-text 400.
async fn segments_that_are_not_utf8_are_documented_json_404s(store: Store) {
    let app = app(store);
    let (token, room) = creator_with_room(&app).await;
    let room = room.as_str();
    let doc = document();
    for (method, path) in documented_operations(&doc) {
        let names = path
            .split('{')
            .skip(1)
            .map(|r| r.split('}').next().unwrap());
        for name in names.filter(|_| path != FLV) {
            let uri = uri_with_bad_segment(&path, room, name);
            let request = Request::builder()
                .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                .uri(&uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(if method == "get" { "" } else { "{}" }))
                .unwrap();
            let (status, body, _) = call(&app, request).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}: {body}");
            let code = body["error"]["code"].as_str().unwrap_or("");
            let documented = &doc["paths"][&path][&method]["responses"]["404"];
            let codes = documented_codes(documented).unwrap();
            assert!(
                codes.contains(&code),
                "{method} {uri}: {code} is not documented"
            );
        }
    }
}
on_both_backends!(
    not_utf8_sweep,
    segments_that_are_not_utf8_are_documented_json_404s
);

async fn every_operation_answers_a_stranger_as_documented(store: Store) {
    let app = app(store);
    call_every_operation(&app, None, "r1").await;
}
on_both_backends!(
    stranger_sweep,
    every_operation_answers_a_stranger_as_documented
);

async fn every_operation_answers_a_room_creator_as_documented(store: Store) {
    let app = app(store);
    let (token, room) = creator_with_room(&app).await;
    call_every_operation(&app, Some(&token), &room).await;
}
on_both_backends!(
    creator_sweep,
    every_operation_answers_a_room_creator_as_documented
);
