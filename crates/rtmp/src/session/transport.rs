//! What both session sides share once the handshake is over: the chunk
//! decoder, the outgoing chunk size, acknowledgements and the protocol
//! control messages that need no decision (Set Chunk Size, Abort, Window
//! Acknowledgement Size, Ping).

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use crate::chunk::{
    encode_message, ChunkDecoder, DecoderLimits, MessageHeader, CSID_COMMAND,
    CSID_PROTOCOL_CONTROL, INITIAL_CHUNK_SIZE,
};
use crate::command::RawCommand;
use crate::error::SessionError;
use crate::message::{Acknowledgement, Message, SetChunkSize, UserControl, WindowAckSize};

/// One received message with its header.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) header: MessageHeader,
    pub(crate) message: Message,
}

#[derive(Debug)]
pub(crate) struct Transport {
    decoder: ChunkDecoder,
    out_chunk_size: u32,
    transmits: VecDeque<Bytes>,
    /// Bytes received since the connection opened.
    received: u64,
    /// `received` when the last acknowledgement was sent.
    acked: u64,
    /// The peer's window: acknowledge every time this many bytes arrived.
    peer_window: Option<u32>,
    /// The window we last asked the peer for.
    own_window: Option<u32>,
    /// The last sequence number the peer acknowledged.
    peer_acked: u32,
}

impl Transport {
    pub(crate) fn new(limits: DecoderLimits) -> Transport {
        Transport {
            decoder: ChunkDecoder::new(limits),
            out_chunk_size: INITIAL_CHUNK_SIZE,
            transmits: VecDeque::new(),
            received: 0,
            acked: 0,
            peer_window: None,
            own_window: None,
            peer_acked: 0,
        }
    }

    pub(crate) fn out_chunk_size(&self) -> u32 {
        self.out_chunk_size
    }

    pub(crate) fn peer_acked(&self) -> u32 {
        self.peer_acked
    }

    pub(crate) fn push_transmit(&mut self, bytes: Bytes) {
        self.transmits.push_back(bytes);
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmits.pop_front()
    }

    /// Counts bytes read from the socket; acknowledges when the peer's
    /// window is crossed.
    pub(crate) fn count_received(&mut self, n: usize) {
        self.received = self.received.saturating_add(n as u64);
        let Some(window) = self.peer_window else {
            return;
        };
        if self.received - self.acked >= u64::from(window.max(1)) {
            self.acked = self.received;
            // The sequence number wraps at 2^32 by definition.
            let sequence = self.received as u32;
            self.send_control(&Message::Acknowledgement(Acknowledgement { sequence }));
        }
    }

    /// Queues one message.
    pub(crate) fn send(&mut self, csid: u32, stream_id: u32, timestamp: u32, message: &Message) {
        let header = MessageHeader {
            csid,
            timestamp,
            type_id: message.type_id(),
            stream_id,
        };
        match encode_message(&header, &message.payload(), self.out_chunk_size) {
            Ok(bytes) => self.transmits.push_back(bytes),
            Err(error) => tracing::warn!(%error, "dropping an outgoing message"),
        }
    }

    pub(crate) fn send_control(&mut self, message: &Message) {
        self.send(CSID_PROTOCOL_CONTROL, 0, 0, message);
    }

    pub(crate) fn send_command(&mut self, stream_id: u32, command: RawCommand) {
        self.send(CSID_COMMAND, stream_id, 0, &Message::Command(command));
    }

    /// Announces and switches to a new outgoing chunk size.
    pub(crate) fn set_out_chunk_size(&mut self, size: u32) {
        let size = size.clamp(1, 0x7fff_ffff);
        self.send_control(&Message::SetChunkSize(SetChunkSize(size)));
        self.out_chunk_size = size;
    }

    /// Asks the peer to acknowledge every `size` bytes.
    pub(crate) fn set_own_window(&mut self, size: u32) {
        self.own_window = Some(size);
        self.send_control(&Message::WindowAckSize(WindowAckSize(size)));
    }

    /// Decodes the next message from `input`, handling the protocol control
    /// messages that need no decision. Those are still returned, so callers
    /// may watch them.
    pub(crate) fn next_message(
        &mut self,
        input: &mut BytesMut,
    ) -> Result<Option<Incoming>, SessionError> {
        let Some(raw) = self.decoder.decode(input)? else {
            return Ok(None);
        };
        let message = Message::parse(raw.header.type_id, raw.payload)?;
        self.handle_control(&message)?;
        Ok(Some(Incoming {
            header: raw.header,
            message,
        }))
    }

    fn handle_control(&mut self, message: &Message) -> Result<(), SessionError> {
        match message {
            Message::SetChunkSize(SetChunkSize(size)) => self.decoder.set_chunk_size(*size)?,
            Message::Abort(abort) => self.decoder.abort(abort.csid),
            Message::Acknowledgement(ack) => self.peer_acked = ack.sequence,
            Message::WindowAckSize(WindowAckSize(size)) => self.peer_window = Some(*size),
            Message::SetPeerBandwidth(bandwidth) if self.own_window != Some(bandwidth.size) => {
                self.set_own_window(bandwidth.size);
            }
            Message::UserControl(UserControl::PingRequest(t)) => {
                let pong = Message::UserControl(UserControl::PingResponse(*t));
                self.send_control(&pong);
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::DecoderLimits;

    fn drain(t: &mut Transport) -> Vec<Message> {
        let mut decoder = ChunkDecoder::new(DecoderLimits::default());
        let mut buf = BytesMut::new();
        while let Some(b) = t.poll_transmit() {
            buf.extend_from_slice(&b);
        }
        let mut out = Vec::new();
        while let Some(raw) = decoder.decode(&mut buf).unwrap() {
            let m = Message::parse(raw.header.type_id, raw.payload).unwrap();
            if let Message::SetChunkSize(SetChunkSize(n)) = m {
                decoder.set_chunk_size(n).unwrap();
            }
            out.push(m);
        }
        out
    }

    #[test]
    fn acknowledges_each_time_the_window_is_crossed() {
        let mut t = Transport::new(DecoderLimits::default());
        t.count_received(5000);
        assert!(drain(&mut t).is_empty(), "no window yet");
        t.handle_control(&Message::WindowAckSize(WindowAckSize(1000)))
            .unwrap();
        t.count_received(1);
        assert_eq!(
            drain(&mut t),
            vec![Message::Acknowledgement(Acknowledgement { sequence: 5001 })]
        );
        t.count_received(999);
        assert!(drain(&mut t).is_empty());
        t.count_received(1);
        assert_eq!(
            drain(&mut t),
            vec![Message::Acknowledgement(Acknowledgement { sequence: 6001 })]
        );
    }

    #[test]
    fn answers_pings() {
        let mut t = Transport::new(DecoderLimits::default());
        t.handle_control(&Message::UserControl(UserControl::PingRequest(42)))
            .unwrap();
        assert_eq!(
            drain(&mut t),
            vec![Message::UserControl(UserControl::PingResponse(42))]
        );
    }

    #[test]
    fn a_bad_chunk_size_from_the_peer_is_fatal() {
        let mut t = Transport::new(DecoderLimits::default());
        assert!(t
            .handle_control(&Message::SetChunkSize(SetChunkSize(0)))
            .is_err());
    }
}
