//! A viewer's socket as the stream actor writes to it (`hub::DirectSink`):
//! one non-blocking vectored write per batch, from the actor's task.

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
        let written = {
            let mut slices = [IoSlice::new(&[]); writer::MAX_IOVECS];
            let n = writer::fill(&mut slices, &self.bufs);
            // Straight to the socket, past tokio's readiness (one memory
            // access less per write): a full socket is handed back, and
            // the viewer's task then learns of it from its own write.
            socket2::SockRef::from(&*self.socket).send_vectored(&slices[..n])
        };
        match written {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Offer::Full(self.take_from(0)),
            Err(e) => Offer::Failed(e),
            Ok(0) => Offer::Failed(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                let start = writer::advance(&mut self.bufs, 0, n);
                if start == self.bufs.len() {
                    self.bufs.clear();
                    Offer::Taken
                } else {
                    Offer::Full(self.take_from(start))
                }
            }
        }
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
