use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Extension;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use live::Live;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

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

struct Connection {
    live: Arc<Live>,
    router: axum::Router,
    timeout: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Connection {
    async fn run(mut self, socket: TcpStream, peer: SocketAddr) {
        let _ = socket.set_nodelay(true);
        let is_flv = match tokio::time::timeout(self.timeout, starts_with_flv(&socket)).await {
            Ok(Some(is_flv)) => is_flv,
            _ => return,
        };
        if is_flv {
            live::limit_send_buffer(&socket, self.live.config.viewer_send_buffer);
            tokio::select! {
                _ = live::serve_flv(self.live, socket, peer) => {}
                _ = stopped(&mut self.shutdown) => {}
            }
            return;
        }
        let router = self.router.layer(Extension(ConnectInfo(peer)));
        let service = TowerToHyperService::new(router);
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(self.timeout)
            .serve_connection(TokioIo::new(socket), service)
            .with_upgrades();
        tokio::pin!(conn);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, "HTTP connection ended: {e}");
                }
            }
            _ = stopped(&mut self.shutdown) => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
            }
        }
    }
}

/// Whether the request starts with `GET /flv/`; `None` if the peer closed.
async fn starts_with_flv(socket: &TcpStream) -> Option<bool> {
    let prefix = live::FLV_PATH_PREFIX;
    let mut buf = [0u8; 16];
    loop {
        let n = socket.peek(&mut buf[..prefix.len()]).await.ok()?;
        if n == 0 {
            return None;
        }
        if buf[..n] != prefix[..n] {
            return Some(false);
        }
        if n == prefix.len() {
            return Some(true);
        }
        // Only part of the request line is here: wait a moment for the rest.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Completes once shutdown has been asked for (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}
