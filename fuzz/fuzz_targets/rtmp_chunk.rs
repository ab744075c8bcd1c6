//! The RTMP chunk decoder and message parser on arbitrary bytes, fed in
//! pieces whose sizes come from the input, with Set Chunk Size and Abort
//! applied as a session would.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rtmp::chunk::{ChunkDecoder, DecoderLimits};
use rtmp::message::Message;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).max(1);
    let limits = DecoderLimits {
        max_chunk_size: 1 << 20,
        max_message_size: 1 << 20,
        max_chunk_streams: 16,
    };
    let mut decoder = ChunkDecoder::new(limits);
    let mut buf = BytesMut::new();
    for piece in rest.chunks(cut) {
        buf.extend_from_slice(piece);
        loop {
            let raw = match decoder.decode(&mut buf) {
                Ok(Some(raw)) => raw,
                Ok(None) => break,
                Err(_) => return,
            };
            match Message::parse(raw.header.type_id, raw.payload) {
                Ok(Message::SetChunkSize(size)) => {
                    if decoder.set_chunk_size(size.0).is_err() {
                        return;
                    }
                }
                Ok(Message::Abort(abort)) => decoder.abort(abort.csid),
                _ => {}
            }
        }
        assert!(decoder.buffered() + buf.len() <= rest.len());
    }
});
