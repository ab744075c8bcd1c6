//! End-to-end: HTTP-FLV on a connection that carried other requests first
//! (HTTP/1.1 keep-alive) and over HTTP/2 (prior knowledge), from a real
//! synctv process fed by ffmpeg. Such requests reach the router, which
//! plays the stream as a response body; the bodies must be FLV that
//! ffprobe and ffmpeg read.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::flv_check::{assert_plays, parse};
use support::{api, publish, Server, KEY, STREAM};

#[test]
fn flv_plays_on_a_kept_alive_connection_after_api_requests() {
    let server = Server::start(&[("SYNCTV_LIVE__VIEWER_WAIT_SECS", "1")]);
    let _publisher = publish(&server.publish_url(KEY), 40, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));

    let mut conn = Conn::connect(server.http);
    let rooms = conn.call("GET", "/api/v1/rooms");
    assert_eq!(rooms.status, 200, "{}", rooms.text());
    let missing = conn.call("GET", "/flv/nobody.flv");
    assert_eq!(missing.status, 404, "{}", missing.text());
    assert!(
        missing.text().contains("stream_not_found"),
        "{}",
        missing.text()
    );

    conn.send("GET", &format!("/flv/{STREAM}.flv"));
    let head = conn.head();
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("video/x-flv"));
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    let body = conn.flv_body(3_000);
    let seen = parse(&body);
    assert!(seen.header && seen.audio_tags > 0, "{seen:?}");
    assert_plays(&body, 2);

    // The body ends (its last chunk) when the server stops.
    let reader = std::thread::spawn(move || conn.read_to_last_chunk());
    assert!(server.terminate().success());
    assert!(
        reader.join().unwrap(),
        "the FLV body ended cleanly at shutdown"
    );
}

#[test]
fn flv_plays_over_http2_on_the_connection_of_an_api_request() {
    let server = Server::start(&[]);
    let _publisher = publish(&server.publish_url(KEY), 40, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(http2_flv(server.http, 3_000));
    let seen = parse(&body);
    assert!(seen.header && seen.audio_tags > 0, "{seen:?}");
    assert_plays(&body, 2);
}

/// Over one HTTP/2 connection: an API request, then the FLV stream, read
/// until it spans `span_ms` of video.
async fn http2_flv(http: SocketAddr, span_ms: u32) -> Vec<u8> {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper::Request;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    let tcp = tokio::net::TcpStream::connect(http).await.unwrap();
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let get = |path: &str| {
        Request::get(format!("http://{http}{path}"))
            .body(Empty::<Bytes>::new())
            .unwrap()
    };
    let rooms = send.send_request(get("/api/v1/rooms")).await.unwrap();
    assert_eq!(rooms.status(), 200);
    rooms.into_body().collect().await.unwrap();

    let flv = send
        .send_request(get(&format!("/flv/{STREAM}.flv")))
        .await
        .unwrap();
    assert_eq!(flv.status(), 200);
    assert_eq!(flv.headers()["content-type"], "video/x-flv");
    let mut body = flv.into_body();
    let mut got = Vec::new();
    while parse(&got).video_span_ms < span_ms {
        let frame = tokio::time::timeout(Duration::from_secs(15), body.frame())
            .await
            .expect("FLV data within 15 s")
            .expect("the FLV body goes on")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            got.extend_from_slice(&data);
        }
    }
    got
}

#[test]
fn a_private_stream_on_a_kept_alive_connection_needs_its_play_token() {
    let server = Server::start(&[]);
    let token = api::register(server.http, "host");
    let body = serde_json::json!({"name": "private", "password": "sesame"});
    let (status, room) = api::call(server.http, "POST", "/api/v1/rooms", Some(&token), &body);
    assert_eq!(status, 201, "{room}");
    let room = room["id"].as_str().unwrap().to_owned();
    let none = serde_json::Value::Null;
    let path = format!("/api/v1/rooms/{room}/live/publish-url");
    let (_, publish_url) = api::call(server.http, "GET", &path, Some(&token), &none);
    let _publisher = publish(
        &server.publish_url(publish_url["key"].as_str().unwrap()),
        40,
        &[],
    );
    assert!(server.wait_for_log(&["publish", &room], Duration::from_secs(15)));
    let path = format!("/api/v1/rooms/{room}/live/play-url");
    let (status, urls) = api::call(server.http, "GET", &path, Some(&token), &none);
    assert_eq!(status, 200, "{urls}");
    let query = urls["flv"].as_str().unwrap().split_once('?').unwrap().1;

    let mut conn = Conn::connect(server.http);
    let info = conn.call("GET", &format!("/api/v1/rooms/{room}"));
    assert_eq!(info.status, 200, "{}", info.text());
    for refused in [
        format!("/flv/{room}.flv"),
        format!("/flv/{room}.flv?token=forged"),
    ] {
        let reply = conn.call("GET", &refused);
        assert_eq!(reply.status, 403, "{refused}: {}", reply.text());
        assert!(
            reply.text().contains("play_token_required"),
            "{}",
            reply.text()
        );
    }
    conn.send("GET", &format!("/flv/{room}.flv?{query}"));
    assert_eq!(conn.head().status, 200);
    let seen = parse(&conn.flv_body(2_000));
    assert!(seen.header && seen.audio_tags > 0, "{seen:?}");

    // A viewer like any other: counted while it plays, uncounted once it leaves.
    assert!(live_viewers_become(server.http, &room, 1), "counted");
    drop(conn);
    assert!(live_viewers_become(server.http, &room, 0), "uncounted");
}

#[test]
fn a_kept_alive_flv_viewer_that_stops_reading_is_cut_off() {
    let mut server = Server::start(&[
        ("SYNCTV_LIVE__VIEWER_WRITE_TIMEOUT_SECS", "2"),
        ("SYNCTV_LIVE__RING_BATCHES", "16"),
    ]);
    let _publisher = publish(&server.publish_url(KEY), 90, &[]);
    assert!(server.wait_for_log(&["publish", STREAM], Duration::from_secs(15)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let closed = runtime.block_on(stalled_body_viewer(&server));
    assert!(closed, "the server closed the stalled viewer's connection");
    assert!(server.is_running());
}

/// A kept-alive viewer with a tiny receive buffer: an API request, then
/// the FLV stream, of which it reads the head and then nothing until the
/// server says it cut the viewer off (within 60 s). Returns whether the
/// connection was then closed.
async fn stalled_body_viewer(server: &Server) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(server.http).await.unwrap();
    let requests = format!(
        "GET /api/v1/rooms HTTP/1.1\r\nHost: x\r\n\r\n\
         GET /flv/{STREAM}.flv HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    stream.write_all(requests.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(n > 0 && buf.starts_with(b"HTTP/1.1 200"));
    let cut_off = ["HTTP-FLV viewer left", "write timeout"];
    let too_slow = ["HTTP-FLV viewer left", "too slow"];
    let deadline = Instant::now() + Duration::from_secs(60);
    let poll = Duration::from_millis(100);
    while !server.wait_for_log(&cut_off, poll) && !server.wait_for_log(&too_slow, poll) {
        assert!(
            Instant::now() < deadline,
            "the stalled viewer was never cut off"
        );
    }
    let drain = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), drain)
        .await
        .unwrap_or(false)
}

/// Whether the room reports `want` live viewers within 15 s.
fn live_viewers_become(http: SocketAddr, room: &str, want: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    let path = format!("/api/v1/rooms/{room}");
    while Instant::now() < deadline {
        let (_, info) = api::call(http, "GET", &path, None, &serde_json::Value::Null);
        if info["live_viewers"].as_u64() == Some(want) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A blocking HTTP/1.1 client that keeps its connection for every request.
struct Conn(BufReader<TcpStream>);

struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
}

impl Conn {
    fn connect(addr: SocketAddr) -> Conn {
        let socket = TcpStream::connect(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        Conn(BufReader::new(socket))
    }

    fn send(&mut self, method: &str, path: &str) {
        let request = format!("{method} {path} HTTP/1.1\r\nHost: t\r\n\r\n");
        self.0.get_mut().write_all(request.as_bytes()).unwrap();
    }

    /// A request whose answer has a `Content-Length`.
    fn call(&mut self, method: &str, path: &str) -> Reply {
        self.send(method, path);
        let head = self.head();
        let len = head.header("content-length").expect("a content length");
        let mut body = vec![0; len.parse().unwrap()];
        self.0.read_exact(&mut body).unwrap();
        Reply {
            status: head.status,
            body,
        }
    }

    fn head(&mut self) -> Head {
        let mut status_line = String::new();
        self.0.read_line(&mut status_line).unwrap();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                return Head { status, headers };
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
    }

    /// The next chunk of a chunked body; `None` at its last chunk.
    fn chunk(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut size = String::new();
        if self.0.read_line(&mut size)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let size = usize::from_str_radix(size.trim_end(), 16).unwrap();
        let mut data = vec![0; size + 2];
        self.0.read_exact(&mut data)?;
        assert_eq!(&data[size..], b"\r\n", "chunk framing");
        data.truncate(size);
        Ok((size > 0).then_some(data))
    }

    /// A chunked FLV body read until it spans `span_ms` of video.
    fn flv_body(&mut self, span_ms: u32) -> Vec<u8> {
        let mut body = Vec::new();
        while parse(&body).video_span_ms < span_ms {
            let chunk = self.chunk().unwrap().expect("the FLV body goes on");
            body.extend_from_slice(&chunk);
        }
        body
    }

    /// Reads on until the body's last chunk (true) or an error or the end
    /// of the connection without one (false).
    fn read_to_last_chunk(mut self) -> bool {
        loop {
            match self.chunk() {
                Ok(Some(_)) => continue,
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}
