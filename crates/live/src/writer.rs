use std::io::{self, IoSlice};
use std::time::Duration;

use bytes::{Buf, Bytes};
use hub::{Batch, Packet, Subscription, SubscriptionEnd};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Most batches gathered into one vectored write.
const MAX_BATCHES_PER_WRITE: usize = 64;
/// Most slices handed to the kernel in one call.
const MAX_IOVECS: usize = 64;

/// How a viewer's writes ended.
#[derive(Debug)]
pub(crate) enum PumpEnd {
    Subscription(SubscriptionEnd),
    Io(io::Error),
    /// The socket did not take a write within the write timeout.
    Stalled,
}

impl std::fmt::Display for PumpEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PumpEnd::Subscription(SubscriptionEnd::StreamEnded) => f.write_str("stream ended"),
            PumpEnd::Subscription(SubscriptionEnd::TooSlow) => f.write_str("viewer too slow"),
            PumpEnd::Io(e) => write!(f, "write failed: {e}"),
            PumpEnd::Stalled => f.write_str("socket took nothing within the write timeout"),
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

/// Writes every buffer, as few syscalls as the kernel allows, giving up if
/// the socket takes nothing for `timeout`.
pub(crate) async fn write_all_vectored<W: AsyncWrite + Unpin>(
    socket: &mut W,
    bufs: &mut Vec<Bytes>,
    timeout: Duration,
) -> Result<(), PumpEnd> {
    let mut start = 0;
    while start < bufs.len() {
        let slices: Vec<IoSlice<'_>> = bufs[start..]
            .iter()
            .take(MAX_IOVECS)
            .map(|b| IoSlice::new(b))
            .collect();
        let written = match tokio::time::timeout(timeout, socket.write_vectored(&slices)).await {
            Err(_) => return Err(PumpEnd::Stalled),
            Ok(Err(e)) => return Err(PumpEnd::Io(e)),
            Ok(Ok(0)) => return Err(PumpEnd::Io(io::ErrorKind::WriteZero.into())),
            Ok(Ok(n)) => n,
        };
        drop(slices);
        start = advance(bufs, start, written);
    }
    bufs.clear();
    Ok(())
}

/// Skips `written` bytes from `bufs[start..]`; returns the new start.
fn advance(bufs: &mut [Bytes], mut start: usize, mut written: usize) -> usize {
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

    #[tokio::test]
    async fn vectored_writes_deliver_every_byte_through_a_narrow_pipe() {
        let (mut a, mut b) = tokio::io::duplex(7);
        let mut bufs: Vec<Bytes> = (0..50u8).map(|i| Bytes::from(vec![i; 5])).collect();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut b, &mut got)
                .await
                .unwrap();
            got
        });
        write_all_vectored(&mut a, &mut bufs, Duration::from_secs(5))
            .await
            .unwrap();
        drop(a);
        let got = reader.await.unwrap();
        let want: Vec<u8> = (0..50u8).flat_map(|i| [i; 5]).collect();
        assert_eq!(got, want);
    }
}
