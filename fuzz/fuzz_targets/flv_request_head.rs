//! The HTTP-FLV viewer's request head, through `live::serve_flv` on a real
//! loopback socket (the head parser itself is private to `live`). The input
//! follows the `GET /flv/` prefix the HTTP listener routes on; the client
//! writes it, closes its sending side and reads the answer to the end.
//!
//! Properties: `serve_flv` never panics and always answers with one
//! well-formed JSON error (nothing is published, so never 200): a
//! `Content-Length` that matches the body, a status that matches the code;
//! without a complete head it is 400; a play token is asked for (403) or
//! accepted (404 `stream_not_found`) only for a complete head, and accepted
//! only when the input carries the one token these keys accept.
#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use live::{BoxFuture, Live, LiveConfig, StreamKeys};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

const TOKEN: &str = "t0ken";

/// Publishes nothing; lets a viewer play with `?token=t0ken` only.
#[derive(Debug)]
struct OneToken;

impl StreamKeys for OneToken {
    fn resolve<'a>(&'a self, _app: &'a str, _key: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(std::future::ready(None))
    }

    fn may_play<'a>(&'a self, _stream: &'a str, token: Option<&'a str>) -> BoxFuture<'a, bool> {
        Box::pin(std::future::ready(token == Some(TOKEN)))
    }
}

struct Harness {
    runtime: Runtime,
    live: Arc<Live>,
    listener: TcpListener,
    addr: SocketAddr,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let config = LiveConfig {
            viewer_wait: Duration::ZERO,
            ..LiveConfig::default()
        };
        let (live, listener) = runtime.block_on(async {
            let live = Live::new(config, hub::HubConfig::default(), Arc::new(OneToken));
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
            (live, listener)
        });
        let addr = listener.local_addr().expect("the bound address");
        Harness {
            runtime,
            live,
            listener,
            addr,
        }
    })
}

/// Sends `request`, lets `serve_flv` answer, and returns what came back.
async fn exchange(h: &Harness, request: &[u8]) -> Vec<u8> {
    let mut client = TcpStream::connect(h.addr).await.expect("connect");
    let (server, peer) = h.listener.accept().await.expect("accept");
    client
        .write_all(request)
        .await
        .expect("the request fits the socket buffers");
    client.shutdown().await.expect("half-close");
    live::serve_flv(h.live.clone(), server, peer).await;
    let mut answer = Vec::new();
    // A reset after the answer (the server closed with request bytes
    // unread) leaves what was already received readable.
    let _ = client.read_to_end(&mut answer).await;
    answer
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The status, the error code and the body of a well-formed answer.
fn dissect(answer: &[u8]) -> (u16, String, String) {
    let text = std::str::from_utf8(answer).expect("the answer is UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete answer head");
    let status_line = head.lines().next().unwrap_or_default();
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .and_then(|len| len.parse().ok())
        .expect("a Content-Length");
    assert_eq!(length, body.len(), "Content-Length of {body:?}");
    let code = body
        .strip_prefix("{\"error\":{\"code\":\"")
        .and_then(|rest| rest.split_once('"'))
        .map(|(code, _)| code.to_owned())
        .unwrap_or_else(|| panic!("not a JSON error: {body:?}"));
    assert!(body.ends_with("\"}}"), "unterminated JSON error {body:?}");
    (status, code, body.to_owned())
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 32 * 1024 {
        return;
    }
    let mut request = live::FLV_PATH_PREFIX.to_vec();
    request.extend_from_slice(data);
    let h = harness();
    let answer = h.runtime.block_on(exchange(h, &request));
    let (status, code, body) = dissect(&answer);
    let expected_status = match code.as_str() {
        "bad_request" => 400,
        "play_token_required" => 403,
        "not_found" | "stream_not_found" => 404,
        other => panic!("unknown error code {other} in {body:?}"),
    };
    assert_eq!(status, expected_status, "{body}");
    let complete = find(&request, b"\r\n\r\n");
    if !complete {
        assert_eq!(status, 400, "an incomplete head was answered {body}");
    }
    if status != 400 && code != "not_found" {
        assert!(complete, "{body}");
    }
    if code == "stream_not_found" {
        let token = format!("token={TOKEN}");
        assert!(
            find(&request, token.as_bytes()),
            "a stream was played without the token"
        );
    }
});
