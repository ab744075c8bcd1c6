//! A viewer's socket as the stream actor writes to it (`hub::DirectSink`):
//! non-blocking vectored writes from the actor's task, one per visit
//! unless more buffers wait than one call takes.

use std::io::{self, IoSlice};
use std::sync::Arc;

use bytes::Bytes;
use hub::{Batch, DirectSink, Offer, Packet};
use tokio::net::TcpStream;

use crate::writer;

/// A viewer's socket and how its packets are serialised.
pub(crate) struct SocketSink<E> {
    socket: Arc<TcpStream>,
    encode: E,
    /// The batch's buffers, kept between writes to spare an allocation.
    bufs: Vec<Bytes>,
}

impl<E> SocketSink<E>
where
    E: Fn(&Packet) -> Bytes + Send + 'static,
{
    pub(crate) fn boxed(socket: Arc<TcpStream>, encode: E) -> Box<dyn DirectSink> {
        Box::new(SocketSink {
            socket,
            encode,
            bufs: Vec::new(),
        })
    }
}

impl<E> DirectSink for SocketSink<E>
where
    E: Fn(&Packet) -> Bytes + Send + 'static,
{
    fn offer(&mut self, batches: &[Batch]) -> Offer {
        self.bufs.clear();
        let packets = batches.iter().flat_map(|batch| batch.iter());
        self.bufs.extend(packets.map(|p| (self.encode)(p)));
        let mut start = 0;
        while start < self.bufs.len() {
            let (written, wanted) = {
                let mut slices = [IoSlice::new(&[]); writer::MAX_IOVECS];
                let n = writer::fill(&mut slices, &self.bufs[start..]);
                let wanted: usize = slices[..n].iter().map(|s| s.len()).sum();
                // Straight to the socket, past tokio's readiness (one
                // memory access less per write): a full socket is handed
                // back, and the viewer's task then learns of it from its
                // own write.
                let sock = socket2::SockRef::from(&*self.socket);
                (sock.send_vectored(&slices[..n]), wanted)
            };
            match written {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Offer::Full(self.take_from(start))
                }
                Err(e) => return Offer::Failed(e),
                Ok(0) => return Offer::Failed(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    start = writer::advance(&mut self.bufs, start, n);
                    // Short of what was offered: the socket is full.
                    if n < wanted {
                        return Offer::Full(self.take_from(start));
                    }
                }
            }
        }
        self.bufs.clear();
        Offer::Taken
    }
}

impl<E> SocketSink<E> {
    /// The buffers from `start` on, leaving the scratch list empty.
    fn take_from(&mut self, start: usize) -> Vec<Bytes> {
        let rest = self.bufs.split_off(start);
        self.bufs.clear();
        rest
    }
}
