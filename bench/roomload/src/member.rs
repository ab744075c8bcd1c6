//! One room member: a task that owns its WebSocket, joins as a guest,
//! reads every frame as it comes, sends the chat messages it is told to
//! and a heartbeat now and then, until told to stop or its deadline.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::check::{self, RoomLog, Tally, ACKED, REFUSED, SENT};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Counts every member of the run shares.
#[derive(Debug, Default)]
pub struct Progress {
    pub joined: AtomicUsize,
    pub ended: AtomicUsize,
}

/// What a member needs to run.
pub struct Member {
    pub url: String,
    pub log: Arc<RoomLog>,
    /// Chat messages (their k) this member is to send.
    pub orders: mpsc::Receiver<usize>,
    pub stop: watch::Receiver<bool>,
    pub deadline: Instant,
    pub heartbeat: Duration,
    pub progress: Arc<Progress>,
    /// This member's place in its room (join order): which server it is
    /// on, and so which chats came across replicas.
    pub index: usize,
}

/// How a member's run went.
#[derive(Debug, Default)]
pub struct Report {
    /// The member's place in its room ([`Member::index`]).
    pub index: usize,
    pub tally: Tally,
    pub joined: bool,
    /// Connect start → welcome, µs.
    pub join_us: u64,
    /// Why it ended early: `connect`, `read`, `write` (with the error).
    pub failure: Option<String>,
    /// The server closed it: the close reason (`too_slow`, …).
    pub closed_by_server: Option<String>,
    /// `error` replies, by code.
    pub errors: Vec<(String, u64)>,
}

impl Report {
    fn error(&mut self, code: &str) {
        match self.errors.iter_mut().find(|(c, _)| c == code) {
            Some((_, n)) => *n += 1,
            None => self.errors.push((code.to_owned(), 1)),
        }
    }
}

impl Member {
    pub async fn run(mut self) -> Report {
        let mut report = Report {
            index: self.index,
            tally: Tally::new(self.log.len()),
            ..Report::default()
        };
        let start = check::now_us();
        let connect = tokio_tungstenite::connect_async_with_config(self.url.as_str(), None, true);
        let mut ws = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => return self.end(report, Some(format!("connect: {e}"))),
            Err(_) => return self.end(report, Some("connect: timed out".into())),
        };
        let join = r#"{"type":"join","last_seq":null,"password":""}"#;
        if let Err(e) = ws.send(Message::Text(join.into())).await {
            return self.end(report, Some(format!("write: {e}")));
        }
        let failure = self.drive(&mut ws, &mut report, start).await;
        if failure.is_none() && report.closed_by_server.is_none() {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        }
        self.end(report, failure)
    }

    fn end(&self, mut report: Report, failure: Option<String>) -> Report {
        report.failure = failure;
        self.progress.ended.fetch_add(1, Ordering::Relaxed);
        report
    }

    /// The joined life; `Some(failure)` if the connection broke.
    async fn drive(&mut self, ws: &mut Ws, report: &mut Report, start: u64) -> Option<String> {
        let mut orders_open = true;
        let mut heartbeat = tokio::time::interval_at(Instant::now() + self.heartbeat, self.heartbeat);
        loop {
            tokio::select! {
                biased;
                _ = self.stop.changed() => return None,
                () = tokio::time::sleep_until(self.deadline) => return None,
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.on_text(text.as_str(), report, start),
                    Some(Ok(Message::Close(frame))) => {
                        let reason = frame.map_or_else(|| "no reason".into(), |f| f.reason.to_string());
                        report.closed_by_server = Some(reason);
                        return None;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Some(format!("read: {e}")),
                    None => return Some("read: connection ended".into()),
                },
                order = self.orders.recv(), if orders_open => match order {
                    Some(k) => {
                        let sent_us = check::now_us();
                        let text = check::chat_text(k, sent_us);
                        let chat = serde_json::json!({"type": "chat", "text": text, "request_id": format!("k{k}")});
                        self.log.set_state(k, SENT);
                        if let Err(e) = ws.send(Message::Text(chat.to_string().into())).await {
                            return Some(format!("write: {e}"));
                        }
                    }
                    None => orders_open = false,
                },
                _ = heartbeat.tick() => {
                    if let Err(e) = ws.send(Message::Text(r#"{"type":"heartbeat"}"#.into())).await {
                        return Some(format!("write: {e}"));
                    }
                }
            }
        }
    }

    fn on_text(&self, text: &str, report: &mut Report, start: u64) {
        let now = check::now_us();
        let Ok(frame) = serde_json::from_str::<Frame>(text) else {
            report.error("unparsable_frame");
            return;
        };
        let seq = frame.seq.unwrap_or(0);
        match frame.kind.as_deref().unwrap_or("") {
            "welcome" => {
                report.tally.welcome(seq);
                if !report.joined {
                    report.joined = true;
                    report.join_us = now.saturating_sub(start);
                    self.progress.joined.fetch_add(1, Ordering::Relaxed);
                }
            }
            "ack" => self.on_ack(&frame),
            "error" => {
                report.error(frame.code.as_deref().unwrap_or("?"));
                if let Some(k) = bench_request(&frame) {
                    self.log.set_state(k, REFUSED);
                }
            }
            "resumed" | "time_pong" => {}
            kind => {
                report.tally.event(seq);
                if kind != "chat" {
                    return;
                }
                let text = frame.text.as_deref().unwrap_or("");
                if let Some((k, sent_us)) = check::parse_chat(text) {
                    report.tally.chat(&self.log, seq, k, sent_us, now);
                }
            }
        }
    }

    fn on_ack(&self, frame: &Frame) {
        let Some(k) = bench_request(frame) else { return };
        self.log.set_state(k, ACKED);
        if let Some(seq) = frame.applied_seq {
            // A disagreement shows up at the members that received it.
            self.log.agree_seq(k, seq);
        }
    }
}

/// The fields of a server frame a member reads; the rest is skipped
/// without building a JSON tree (the client must stay cheap per frame).
#[derive(Debug, Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    seq: Option<u64>,
    #[serde(borrow)]
    text: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    request_id: Option<std::borrow::Cow<'a, str>>,
    applied_seq: Option<u64>,
    #[serde(borrow)]
    code: Option<std::borrow::Cow<'a, str>>,
}

/// The k of a reply to one of our chat messages (`request_id` `k<k>`).
fn bench_request(frame: &Frame) -> Option<usize> {
    frame.request_id.as_deref()?.strip_prefix('k')?.parse().ok()
}
