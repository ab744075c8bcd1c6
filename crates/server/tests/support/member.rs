//! A room member that behaves like a real client: it remembers the last
//! seq it applied, and when the server ends its connection it reconnects
//! (to the same replica) with that seq and goes on. Also a TCP proxy that
//! can cut every connection through it, and a Redis of a test's own.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

/// A member of one room on one replica.
pub struct Member {
    http: SocketAddr,
    room: String,
    token: String,
    socket: Option<WebSocket<TcpStream>>,
    /// The last event seq applied.
    pub last_seq: Option<u64>,
    /// Chats seen, as (seq, text), in order.
    pub chats: Vec<(u64, String)>,
    /// How many times the connection was re-established.
    pub reconnects: usize,
}

impl Member {
    pub fn join(http: SocketAddr, room: &str, token: &str) -> Member {
        let mut member = Member {
            http,
            room: room.to_owned(),
            token: token.to_owned(),
            socket: None,
            last_seq: None,
            chats: Vec::new(),
            reconnects: 0,
        };
        member.connect(Duration::from_secs(30));
        member
    }

    /// Connects and joins with the last seq, until welcomed or resumed.
    fn connect(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(socket) = self.try_connect() {
                self.socket = Some(socket);
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "could not rejoin {} on {} within {wait:?}",
            self.room, self.http
        );
    }

    fn try_connect(&mut self) -> Option<WebSocket<TcpStream>> {
        let stream = TcpStream::connect(self.http).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_millis(500)))
            .ok()?;
        let url = format!("ws://{}/api/v1/rooms/{}/ws", self.http, self.room);
        let mut request = url.into_client_request().ok()?;
        let auth = format!("Bearer {}", self.token).parse().ok()?;
        request.headers_mut().insert("authorization", auth);
        let (mut socket, _) = tungstenite::client(request, stream).ok()?;
        let join = json!({"type": "join", "last_seq": self.last_seq, "password": ""});
        socket.send(Message::text(join.to_string())).ok()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let message = match socket.read() {
                Ok(Message::Text(text)) => serde_json::from_str::<Value>(&text).ok()?,
                Ok(_) => continue,
                Err(e) if is_timeout(&e) => continue,
                Err(_) => return None,
            };
            match message["type"].as_str() {
                Some("welcome") => {
                    self.welcomed(&message);
                    return Some(socket);
                }
                Some("resumed") => return Some(socket),
                Some("error") => return None,
                _ => self.apply(&message),
            }
        }
        None
    }

    /// A welcome replaces what the member knew: chats come from its history.
    fn welcomed(&mut self, welcome: &Value) {
        let seq = welcome["seq"].as_u64();
        if let Some(history) = welcome["chat"].as_array() {
            for record in history {
                let id = record["id"].as_u64().unwrap_or_default();
                let known = self.chats.iter().any(|(seq, _)| *seq == id);
                if !known && self.last_seq.is_some_and(|last| id > last) {
                    let text = record["text"].as_str().unwrap_or_default().to_owned();
                    self.chats.push((id, text));
                }
            }
        }
        self.last_seq = seq;
    }

    fn apply(&mut self, message: &Value) {
        let Some(seq) = message["seq"].as_u64() else {
            return;
        };
        if message["type"] == "chat" {
            let text = message["text"].as_str().unwrap_or_default().to_owned();
            self.chats.push((seq, text));
        }
        if !matches!(
            message["type"].as_str(),
            Some("ack" | "error" | "time_pong")
        ) {
            self.last_seq = Some(seq);
        }
    }

    /// Sends a chat, reconnecting first if the connection is gone.
    pub fn chat(&mut self, text: &str) {
        let message = json!({"type": "chat", "text": text, "request_id": text});
        loop {
            let socket = self.socket.as_mut().expect("connected");
            if socket.send(Message::text(message.to_string())).is_ok() {
                return;
            }
            self.reconnect();
        }
    }

    fn reconnect(&mut self) {
        self.socket = None;
        self.reconnects += 1;
        self.connect(Duration::from_secs(60));
    }

    /// Reads until `count` chats were seen or `wait` passed, reconnecting
    /// whenever the server ends the connection.
    pub fn read_chats(&mut self, count: usize, wait: Duration) {
        let deadline = Instant::now() + wait;
        let mut quiet = Instant::now();
        while self.chats.len() < count && Instant::now() < deadline {
            let socket = self.socket.as_mut().expect("connected");
            match socket.read() {
                Ok(Message::Text(text)) => {
                    if let Ok(message) = serde_json::from_str::<Value>(&text) {
                        self.apply(&message);
                    }
                }
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {
                    if quiet.elapsed() > Duration::from_secs(5) {
                        quiet = Instant::now();
                        let heartbeat = json!({"type": "heartbeat"}).to_string();
                        let _ = socket.send(Message::text(heartbeat));
                    }
                }
                Err(_) => self.reconnect(),
            }
        }
    }
}

fn is_timeout(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if matches!(
        io.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ))
}

/// A TCP proxy to `target` whose connections can all be cut at once.
pub struct Proxy {
    pub addr: SocketAddr,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(Mutex::new(Vec::new()));
        let streams = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let mut list = streams.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                drop(list);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Proxy { addr, open }
    }

    /// Drops every connection through the proxy; new ones are let through.
    pub fn cut(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A `redis-server` of the test's own, without persistence, restartable
/// on the same port.
pub struct OwnRedis {
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    pub fn start() -> OwnRedis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = OwnRedis { port, child: None };
        redis.spawn();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(self.addr()).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills Redis (its data is gone).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again, empty, on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
