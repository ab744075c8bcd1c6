//! Where a viewer's bytes go: the seam between the viewer loop and its
//! transport. A raw socket (HTTP-FLV handed over by the listener, RTMP
//! play) is written with vectored system calls; an HTTP response body
//! (HTTP-FLV on a connection hyper serves) is fed through a bounded
//! channel. Either way the stream actor may write for the viewer once it
//! has caught up, through the sink's [`DirectSink`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hub::{DirectSink, Packet};
use tokio::net::TcpStream;

use crate::direct::SocketSink;
use crate::writer::{self, PumpEnd};

/// A viewer's transport, as the viewer loop writes to it.
pub(crate) trait ViewerSink: Sync {
    /// The handle the stream actor writes to while the viewer is attached:
    /// it never waits, and hands back what the transport did not take.
    fn direct<E>(&self, encode: E) -> Box<dyn DirectSink>
    where
        E: Fn(&Packet) -> Bytes + Send + 'static;

    /// Writes every buffer (leaving `bufs` empty), waiting for room at
    /// most `timeout` at a time: a transport that takes nothing for that
    /// long is [`PumpEnd::Stalled`].
    fn write(
        &self,
        bufs: &mut Vec<Bytes>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PumpEnd>> + Send;
}

impl ViewerSink for Arc<TcpStream> {
    fn direct<E>(&self, encode: E) -> Box<dyn DirectSink>
    where
        E: Fn(&Packet) -> Bytes + Send + 'static,
    {
        SocketSink::boxed(self.clone(), encode)
    }

    fn write(
        &self,
        bufs: &mut Vec<Bytes>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PumpEnd>> + Send {
        writer::write_socket(self, bufs, timeout)
    }
}
