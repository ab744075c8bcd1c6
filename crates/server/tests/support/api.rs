//! The HTTP API and a room's WebSocket from a blocking test: a tiny
//! HTTP/1.1 JSON client and a tungstenite client.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// Sends one JSON request; returns the status and the JSON body (`Null`
/// when the body is not JSON).
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let body = body.to_string();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text[9..12].parse().unwrap();
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

/// Registers `name`; returns its token.
pub fn register(addr: SocketAddr, name: &str) -> String {
    let body = serde_json::json!({"username": name, "password": "correct horse"});
    let (status, value) = call(addr, "POST", "/api/v1/auth/register", None, &body);
    assert_eq!(status, 201, "{value}");
    value["token"].as_str().unwrap().to_owned()
}

/// A room member's WebSocket.
pub struct RoomSocket(WebSocket<TcpStream>);

impl RoomSocket {
    pub fn connect(addr: SocketAddr, room: &str, token: &str) -> RoomSocket {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut request = format!("ws://{addr}/api/v1/rooms/{room}/ws")
            .into_client_request()
            .unwrap();
        let value = format!("Bearer {token}").parse().unwrap();
        request.headers_mut().insert("authorization", value);
        let (socket, _) = tungstenite::client(request, stream).unwrap();
        RoomSocket(socket)
    }

    pub fn send(&mut self, message: &Value) {
        self.0.send(Message::text(message.to_string())).unwrap();
    }

    /// The reason of the close frame the server sends within `wait`
    /// (messages before it are skipped); `None` if none comes.
    pub fn close_reason(&mut self, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.0.read() {
                Ok(Message::Close(frame)) => {
                    return Some(frame.map(|f| f.reason.to_string()).unwrap_or_default())
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// The first message within `wait` for which `wanted` holds.
    pub fn wait_for(&mut self, wait: Duration, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            match self.0.read() {
                Ok(Message::Text(text)) => {
                    let message: Value = serde_json::from_str(&text).unwrap();
                    if wanted(&message) {
                        return Some(message);
                    }
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    // Keep the connection alive while waiting.
                    self.send(&serde_json::json!({"type": "heartbeat"}));
                }
                Err(e) => panic!("room socket failed: {e}"),
            }
        }
        None
    }
}
