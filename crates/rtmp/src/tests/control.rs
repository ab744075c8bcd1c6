use super::util::{client_config, video_keyframe, Pair};
use crate::chunk::{encode_message, MessageHeader, CSID_PROTOCOL_CONTROL, CSID_VIDEO};
use crate::message::{Abort, Message, UserControl};
use crate::{ClientEvent, ServerConfig};

fn control(message: &Message) -> Vec<u8> {
    let header = MessageHeader {
        csid: CSID_PROTOCOL_CONTROL,
        timestamp: 0,
        type_id: message.type_id(),
        stream_id: 0,
    };
    encode_message(&header, &message.payload(), 4096)
        .unwrap()
        .to_vec()
}

#[test]
fn chunk_size_changes_mid_stream_are_followed() {
    let mut pair = Pair::default_pair();
    pair.publishing("k");
    let mut sent = Vec::new();
    for (i, size) in [4096u32, 1, 77, 128, 60_000].into_iter().enumerate() {
        pair.client.set_chunk_size(size);
        let frame = video_keyframe(i as i64 * 40, 3000 + i);
        pair.client.send_frame(&frame).unwrap();
        sent.push(frame);
    }
    pair.drive();
    assert_eq!(pair.server_frames(), sent);
}

#[test]
fn abort_discards_the_partial_message() {
    let mut pair = Pair::default_pair();
    let stream_id = pair.publishing("k");
    let header = MessageHeader {
        csid: CSID_VIDEO,
        timestamp: 5,
        type_id: 9,
        stream_id,
    };
    let doomed = encode_message(&header, &[0x17; 10_000], 4096).unwrap();
    // Exactly the first chunk: an Abort arrives between chunks.
    pair.deliver_to_server(&doomed[..12 + 4096]);
    pair.deliver_to_server(&control(&Message::Abort(Abort { csid: CSID_VIDEO })));
    let frame = video_keyframe(6, 100);
    let header = MessageHeader {
        timestamp: 6,
        ..header
    };
    pair.deliver_to_server(&encode_message(&header, &frame.data, 4096).unwrap());
    assert_eq!(pair.server_frames(), vec![frame]);
}

#[test]
fn both_sides_acknowledge_their_peer_window() {
    let config = ServerConfig {
        window_ack_size: 1000,
        peer_bandwidth: 5000,
        ..ServerConfig::default()
    };
    let mut pair = Pair::new(config, client_config());
    pair.publishing("k");
    for i in 0..10 {
        pair.client
            .send_frame(&video_keyframe(i * 40, 2000))
            .unwrap();
    }
    pair.drive();
    // The client acks every 1000 bytes it receives (the server's window);
    // the server acks the window the client chose after Set Peer Bandwidth.
    let server_acked = pair.server.peer_acknowledged();
    assert!(server_acked > 1000, "{server_acked}");
    let client_acked = pair.client.peer_acknowledged();
    assert!(client_acked >= 20_000, "{client_acked}");
}

#[test]
fn pings_are_answered() {
    let mut pair = Pair::default_pair();
    pair.drive();
    pair.deliver_to_server(&control(&Message::UserControl(UserControl::PingRequest(
        77,
    ))));
    let reply = pair.server.poll_transmit().unwrap();
    let mut decoder = crate::chunk::ChunkDecoder::new(Default::default());
    decoder.set_chunk_size(4096).unwrap();
    let raw = decoder.decode(&mut reply[..].into()).unwrap().unwrap();
    assert_eq!(
        Message::parse(raw.header.type_id, raw.payload).unwrap(),
        Message::UserControl(UserControl::PingResponse(77))
    );
    assert!(!pair.client_events.contains(&ClientEvent::StreamEnded));
}
