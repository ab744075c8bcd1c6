//! Accepts RTMP connections, one task each, within the connection limit.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use crate::rtmp_conn::RtmpConnection;
use crate::Live;

/// Serves RTMP on `listener` until `shutdown` turns true.
pub async fn serve_rtmp(
    listener: TcpListener,
    live: Arc<Live>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(live.config.max_rtmp_connections));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped(&mut shutdown) => break,
        };
        let (socket, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("RTMP accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "RTMP connection refused: connection limit reached");
            continue;
        };
        let _ = socket.set_nodelay(true);
        let conn = RtmpConnection::new(live.clone(), socket, peer, seed());
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            conn.run(shutdown).await;
            drop(permit);
        });
    }
}

/// Completes once shutdown has been asked for (or its sender is gone).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Per-connection randomness for handshake filler bytes.
pub(crate) fn seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    hasher.finish()
}
