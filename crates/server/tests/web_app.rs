//! The web app served by the real binary: `/` and the app's own paths get
//! the page, while `/api`, `/flv` and `/hls` keep their JSON 404s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use support::Server;

/// One GET; the status, the headers (lowercased names) and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn the_binary_serves_the_app_and_keeps_json_404s_for_the_api() {
    let server = Server::start(&[]);
    let (status, head, index) = get(server.http, "/");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(index.contains(r#"<div id="app">"#), "{index}");

    let (status, _, page) = get(server.http, "/rooms/k3v9x2m7q1ab");
    assert_eq!(status, 200);
    assert_eq!(page, index, "an app path falls back to index.html");

    for path in ["/api/nope", "/api", "/api/v1/nope", "/hls", "/hls/nope"] {
        let (status, head, body) = get(server.http, path);
        assert_eq!(status, 404, "{path}: {head}");
        assert!(head.contains("application/json"), "{path}: {head}");
        assert!(body.contains(r#""code":"#), "{path}: {body}");
    }
    let (status, _, body) = get(server.http, "/healthz");
    assert_eq!((status, body.trim()), (200, "ok"), "routes still win");
}
