//! HTTP-FLV viewers, served straight from the socket: the HTTP listener hands
//! over every connection whose first request starts with `GET /flv/`.
//!
//! The body is FLV until the connection closes (no chunked framing), so a
//! batch of tags goes out in one vectored write with nothing in between.
//! A `GET /flv/…` later on a kept-alive or HTTP/2 connection is served as
//! a response body instead (`flv_body`).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hub::SubscriptionEnd;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;

use crate::flv_viewer::{self, FlvRefusal};
use crate::request::{self, RequestHead};
use crate::viewer::Wake;
use crate::writer::{self, PumpEnd};
use crate::Live;

/// The prefix the HTTP listener looks for to hand a connection over.
pub const FLV_PATH_PREFIX: &[u8] = b"GET /flv/";
const MAX_HEAD: usize = 8 * 1024;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one HTTP-FLV viewer until it leaves or the stream ends.
pub async fn serve_flv(live: Arc<Live>, mut socket: TcpStream, peer: std::net::SocketAddr) {
    let head = match read_head(&mut socket).await {
        Ok(head) => head,
        Err(e) => {
            tracing::debug!(%peer, "bad HTTP-FLV request: {e}");
            let _ = respond(&mut socket, 400, "bad_request", &e.to_string()).await;
            return;
        }
    };
    let target = match &head.query {
        Some(query) => format!("{}?{query}", head.path),
        None => head.path.clone(),
    };
    let (path, token) = crate::split_play_token(&target);
    let Some(stream) = request::flv_stream_name(path) else {
        let _ = respond(&mut socket, 404, "not_found", "no such path").await;
        return;
    };
    let sub = match flv_viewer::admit(&live, stream, token).await {
        Ok(sub) => sub,
        Err(refusal) => {
            tracing::info!(%peer, stream, "HTTP-FLV viewer refused: {refusal}");
            let _ = refuse(&mut socket, &refusal).await;
            return;
        }
    };
    tracing::debug!(%peer, stream, "HTTP-FLV viewer joined");
    let _counted = live.viewers.count_flv();
    let _attached = live.attach_viewer(stream, head.query.as_deref().unwrap_or(""));
    let timeout = live.config.write_timeout;
    let socket = Arc::new(socket);
    let mut bufs = vec![Bytes::from_static(OK_HEAD), flv_viewer::file_header()];
    if writer::write_socket(&socket, &mut bufs, timeout)
        .await
        .is_err()
    {
        return;
    }
    // Nothing wakes a raw HTTP-FLV viewer but its stream: the listener
    // drops this task when the server stops.
    let never = std::future::pending::<io::Result<Wake>>();
    tokio::pin!(never);
    let end = flv_viewer::pump(sub, &socket, timeout, never).await;
    tracing::debug!(%peer, stream, "HTTP-FLV viewer left: {end}");
}

impl PumpEnd {
    pub(crate) fn is_too_slow(&self) -> bool {
        matches!(
            self,
            PumpEnd::Stalled | PumpEnd::Subscription(SubscriptionEnd::TooSlow)
        )
    }
}

async fn read_head<S: AsyncRead + Unpin>(socket: &mut S) -> io::Result<RequestHead> {
    let mut buf = Vec::with_capacity(1024);
    let read = async {
        loop {
            if let Some(head) = request::parse_head(&buf)? {
                return Ok(head);
            }
            if buf.len() >= MAX_HEAD {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "request head too large",
                ));
            }
            let mut chunk = [0u8; 1024];
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(HEAD_TIMEOUT, read)
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

const OK_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\n\
    Content-Type: video/x-flv\r\n\
    Cache-Control: no-cache, no-store\r\n\
    Access-Control-Allow-Origin: *\r\n\
    Connection: close\r\n\r\n";

async fn refuse<S: AsyncWrite + Unpin>(
    socket: &mut S,
    refusal: &FlvRefusal,
) -> Result<(), PumpEnd> {
    let message = refusal.to_string();
    match refusal {
        FlvRefusal::PlayTokenRequired => {
            respond(socket, 403, "play_token_required", &message).await
        }
        FlvRefusal::Refused(refused) => respond(socket, 403, refused.code, &message).await,
        FlvRefusal::NotLive(_) => respond(socket, 404, "stream_not_found", &message).await,
    }
}

async fn respond<S: AsyncWrite + Unpin>(
    socket: &mut S,
    status: u16,
    code: &str,
    message: &str,
) -> Result<(), PumpEnd> {
    let reason = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let body = format!(
        "{{\"error\":{{\"code\":\"{code}\",\"message\":\"{}\"}}}}",
        request::json_escape(message)
    );
    let text = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
         Access-Control-Allow-Origin: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    writer::write_all(socket, text.as_bytes(), Duration::from_secs(5)).await
}
