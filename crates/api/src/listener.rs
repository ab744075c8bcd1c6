use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use live::Live;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Limits of the HTTP listener.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    pub max_connections: usize,
    /// How long a new connection may take to send its request line.
    pub first_bytes_timeout: Duration,
}

/// Serves HTTP on `listener` until `shutdown` turns true; then stops
/// accepting, lets requests in flight finish and closes streaming viewers.
pub async fn serve(
    listener: TcpListener,
    state: crate::AppState,
    limits: HttpLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let live = state.live.clone();
    let router = crate::router(state);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!("HTTP accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "HTTP connection refused: {} connections open", limits.max_connections);
            continue;
        };
        let conn = Connection {
            live: live.clone(),
            router: router.clone(),
            timeout: limits.first_bytes_timeout,
            shutdown: shutdown.clone(),
        };
        tokio::spawn(async move {
            conn.run(socket, peer).await;
            drop(permit);
        });
    }
}

/// Turns true when the server stops: what ends a streaming response body
/// (HTTP-FLV) at once, since a graceful shutdown waits for responses to
/// finish.
#[derive(Debug, Clone)]
pub(crate) struct Stopping(pub(crate) watch::Receiver<bool>);

struct Connection {
    live: Arc<Live>,
    router: axum::Router,
    timeout: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Connection {
    async fn run(self, socket: TcpStream, peer: SocketAddr) {
        let _ = socket.set_nodelay(true);
        let protocol = match tokio::time::timeout(self.timeout, sniff(&socket)).await {
            Ok(Some(protocol)) => protocol,
            _ => return,
        };
        match protocol {
            Protocol::Flv => self.serve_flv(socket, peer).await,
            Protocol::Http1 => self.serve_http(socket, peer, false).await,
            Protocol::Http2 => self.serve_http(socket, peer, true).await,
        }
    }

    async fn serve_http(mut self, socket: TcpStream, peer: SocketAddr, http2: bool) {
        // Each request learns the peer's address and when the server
        // stops (a streaming body ends then); the router itself is shared,
        // not rebuilt per connection.
        let stopping = Stopping(self.shutdown.clone());
        let service = TowerToHyperService::new(self.router.clone().map_request(
            move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(stopping.clone());
                request
            },
        ));
        let io = TokioIo::new(socket);
        if http2 {
            let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .keep_alive_interval(Some(Duration::from_secs(30)))
                .serve_connection(io, service);
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => ended(peer, result),
                _ = stopped(&mut self.shutdown) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        } else {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(self.timeout)
                .serve_connection(io, service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => ended(peer, result),
                _ = stopped(&mut self.shutdown) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        }
    }

    async fn serve_flv(mut self, socket: TcpStream, peer: SocketAddr) {
        live::tune_viewer_socket(&socket, &self.live.config);
        tokio::select! {
            _ = live::serve_flv(self.live, socket, peer) => {}
            _ = stopped(&mut self.shutdown) => {}
        }
    }
}

fn ended(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::debug!(%peer, "HTTP connection ended: {e}");
    }
}

/// What a connection speaks, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `GET /flv/…` first: the raw HTTP-FLV writer takes the socket. A
    /// later `GET /flv/…` on a connection hyper serves reaches the router,
    /// which plays the stream as a response body (`flv_play`).
    Flv,
    /// The HTTP/2 preface without TLS (gRPC clients).
    Http2,
    /// Anything else.
    Http1,
}

/// The HTTP/2 connection preface, as far as it tells HTTP/2 apart.
const HTTP2_PREFACE: &[u8] = b"PRI * HTTP/2.0";

/// Which protocol the connection speaks; `None` if the peer closed.
async fn sniff(socket: &TcpStream) -> Option<Protocol> {
    let flv = live::FLV_PATH_PREFIX;
    let mut buf = [0u8; 16];
    let want = flv.len().max(HTTP2_PREFACE.len()).min(buf.len());
    loop {
        let n = socket.peek(&mut buf[..want]).await.ok()?;
        if n == 0 {
            return None;
        }
        let seen = &buf[..n];
        let could_be = |prefix: &[u8]| prefix[..n.min(prefix.len())] == seen[..n.min(prefix.len())];
        match (could_be(flv), could_be(HTTP2_PREFACE)) {
            (false, false) => return Some(Protocol::Http1),
            (true, _) if n >= flv.len() => return Some(Protocol::Flv),
            (_, true) if n >= HTTP2_PREFACE.len() => return Some(Protocol::Http2),
            // Only part of the request line is here: wait a moment for the rest.
            _ => tokio::time::sleep(Duration::from_millis(2)).await,
        }
    }
}

/// Completes once shutdown has been asked for (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
