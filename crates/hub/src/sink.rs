use std::sync::Arc;

use crate::Packet;

/// Something a stream actor feeds every packet to, in order, inside the
/// actor (so it never lags): the HLS segmenter, for one.
pub trait Sink: Send {
    fn handle_packet(&mut self, packet: &Arc<Packet>);
    /// The stream ended.
    fn finish(&mut self);
}

/// Makes the sinks of a stream when it starts.
pub trait SinkFactory: Send + Sync {
    fn sinks(&self, stream: &str) -> Vec<Box<dyn Sink>>;
}
