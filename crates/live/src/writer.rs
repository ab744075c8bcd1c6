use std::io::{self, IoSlice};
use std::time::Duration;

use bytes::{Buf, Bytes};
use hub::{Batch, Packet, Subscription, SubscriptionEnd};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most batches gathered into one vectored write.
const MAX_BATCHES_PER_WRITE: usize = 64;
/// Most slices handed to the kernel in one call.
pub(crate) const MAX_IOVECS: usize = 64;

/// How a viewer's writes ended.
#[derive(Debug)]
pub(crate) enum PumpEnd {
    Subscription(SubscriptionEnd),
    Io(io::Error),
    /// The socket did not take a write within the write timeout.
    Stalled,
    /// The server is stopping.
    Shutdown,
}

impl std::fmt::Display for PumpEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PumpEnd::Subscription(SubscriptionEnd::StreamEnded) => f.write_str("stream ended"),
            PumpEnd::Subscription(SubscriptionEnd::TooSlow) => f.write_str("viewer too slow"),
            PumpEnd::Io(e) => write!(f, "write failed: {e}"),
            PumpEnd::Stalled => f.write_str("socket took nothing within the write timeout"),
            PumpEnd::Shutdown => f.write_str("server stopping"),
        }
    }
}

/// Gathers the batches ready now (at least one) into `out`, serialised by
/// `encode`. Returns how the subscription ended, if it did.
pub(crate) fn gather(
    first: Batch,
    sub: &mut Subscription,
    out: &mut Vec<Bytes>,
    encode: &impl Fn(&Packet) -> Bytes,
) -> Option<SubscriptionEnd> {
    out.extend(first.iter().map(|p| encode(p)));
    for _ in 1..MAX_BATCHES_PER_WRITE {
        match sub.try_next() {
            Some(Ok(batch)) => out.extend(batch.iter().map(|p| encode(p))),
            Some(Err(end)) => return Some(end),
            None => break,
        }
    }
    None
}

/// Writes every buffer to a TCP socket: tries the write at once, and
/// waits (arming the timeout) only when the kernel's buffer is full. A
/// viewer's hot path is then one system call, no timer and no waiter.
pub(crate) async fn write_socket(
    socket: &TcpStream,
    bufs: &mut Vec<Bytes>,
    timeout: Duration,
) -> Result<(), PumpEnd> {
    let mut start = 0;
    while start < bufs.len() {
        let written = {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let n = fill(&mut slices, &bufs[start..]);
            socket.try_write_vectored(&slices[..n])
        };
        match written {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                match tokio::time::timeout(timeout, socket.writable()).await {
                    Err(_) => return Err(PumpEnd::Stalled),
                    Ok(ready) => ready.map_err(PumpEnd::Io)?,
                }
            }
            other => start = advance(bufs, start, checked(other)?),
        }
    }
    bufs.clear();
    Ok(())
}

/// Points `slices` at the first buffers; how many it filled.
pub(crate) fn fill<'a>(slices: &mut [IoSlice<'a>; MAX_IOVECS], bufs: &'a [Bytes]) -> usize {
    let n = bufs.len().min(MAX_IOVECS);
    for (slice, buf) in slices.iter_mut().zip(&bufs[..n]) {
        *slice = IoSlice::new(buf);
    }
    n
}

/// A write's byte count, or why the connection is over.
fn checked(written: io::Result<usize>) -> Result<usize, PumpEnd> {
    match written {
        Ok(0) => Err(PumpEnd::Io(io::ErrorKind::WriteZero.into())),
        Ok(n) => Ok(n),
        Err(e) => Err(PumpEnd::Io(e)),
    }
}

/// Skips `written` bytes from `bufs[start..]`; returns the new start.
pub(crate) fn advance(bufs: &mut [Bytes], mut start: usize, mut written: usize) -> usize {
    while written > 0 && start < bufs.len() {
        let len = bufs[start].len();
        if written >= len {
            written -= len;
            start += 1;
        } else {
            bufs[start].advance(written);
            written = 0;
        }
    }
    while start < bufs.len() && bufs[start].is_empty() {
        start += 1;
    }
    start
}

/// Writes `bytes` whole, with the same stall timeout.
pub(crate) async fn write_all<W: AsyncWrite + Unpin>(
    socket: &mut W,
    bytes: &[u8],
    timeout: Duration,
) -> Result<(), PumpEnd> {
    match tokio::time::timeout(timeout, socket.write_all(bytes)).await {
        Err(_) => Err(PumpEnd::Stalled),
        Ok(Err(e)) => Err(PumpEnd::Io(e)),
        Ok(Ok(())) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_skips_whole_and_partial_buffers() {
        let mut bufs = vec![
            Bytes::from_static(b"abc"),
            Bytes::from_static(b""),
            Bytes::from_static(b"defg"),
        ];
        let start = advance(&mut bufs, 0, 5);
        assert_eq!(start, 2);
        assert_eq!(&bufs[2][..], b"fg");
    }

    /// A connected pair on 127.0.0.1 whose sender has a small send buffer.
    async fn tcp_pair() -> (TcpStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(4096).unwrap();
        let connect = socket.connect(listener.local_addr().unwrap());
        let (sender, accepted) = tokio::join!(connect, listener.accept());
        (sender.unwrap(), accepted.unwrap().0)
    }

    #[tokio::test]
    async fn socket_writes_deliver_every_byte_to_a_slow_reader() {
        let (sender, mut receiver) = tcp_pair().await;
        let mut bufs: Vec<Bytes> = (0..200u8).map(|i| Bytes::from(vec![i; 3000])).collect();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut chunk = [0u8; 1000];
            loop {
                let n = tokio::io::AsyncReadExt::read(&mut receiver, &mut chunk)
                    .await
                    .unwrap();
                if n == 0 {
                    return got;
                }
                got.extend_from_slice(&chunk[..n]);
                tokio::task::yield_now().await;
            }
        });
        write_socket(&sender, &mut bufs, Duration::from_secs(10))
            .await
            .unwrap();
        assert!(bufs.is_empty());
        drop(sender);
        let want: Vec<u8> = (0..200u8).flat_map(|i| [i; 3000]).collect();
        assert_eq!(reader.await.unwrap(), want);
    }

    #[tokio::test]
    async fn socket_writes_stall_when_the_peer_never_reads() {
        let (sender, _receiver) = tcp_pair().await;
        let mut bufs: Vec<Bytes> = (0..64)
            .map(|_| Bytes::from(vec![7u8; 256 * 1024]))
            .collect();
        let end = write_socket(&sender, &mut bufs, Duration::from_millis(300)).await;
        assert!(matches!(end, Err(PumpEnd::Stalled)), "{end:?}");
    }
}
