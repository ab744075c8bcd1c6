use super::util::{audio_frame, metadata_frame, video_keyframe, Pair};
use crate::command::status_code;
use crate::{ClientEvent, ServerEvent};

#[test]
fn publish_flow_delivers_connect_request_and_frames() {
    let mut pair = Pair::default_pair();
    let stream_id = pair.publishing("room-key?token=abc");
    assert_eq!(
        pair.server_events[..2],
        [
            ServerEvent::Connect {
                app: "live".into(),
                tc_url: Some("rtmp://127.0.0.1/live".into())
            },
            ServerEvent::PublishRequested {
                stream_id,
                app: "live".into(),
                stream_key: "room-key".into(),
                query: "token=abc".into()
            }
        ]
    );
    assert_eq!(pair.client_events[0], ClientEvent::Connected);

    let sent = [metadata_frame(), video_keyframe(0, 10_000), audio_frame(23)];
    for frame in &sent {
        pair.client.send_frame(frame).unwrap();
    }
    pair.drive();
    assert_eq!(pair.server_frames(), sent);
}

#[test]
fn play_flow_starts_and_receives_frames_then_ends() {
    let mut pair = Pair::default_pair();
    pair.client.play("room?t=1").unwrap();
    pair.drive();
    let stream_id = match &pair.server_events[1] {
        ServerEvent::PlayRequested {
            stream_id,
            stream_name,
            query,
            ..
        } => {
            assert_eq!((stream_name.as_str(), query.as_str()), ("room", "t=1"));
            *stream_id
        }
        other => panic!("unexpected {other:?}"),
    };
    pair.server.accept_play(stream_id).unwrap();
    pair.drive();
    assert!(pair
        .client_events
        .contains(&ClientEvent::PlayStarted { stream_id }));
    let codes: Vec<&str> = pair
        .client_events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Status { code, .. } => Some(code.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, [status_code::PLAY_RESET, status_code::PLAY_START]);

    let sent = [
        metadata_frame(),
        video_keyframe(1000, 9000),
        audio_frame(1010),
    ];
    for frame in &sent {
        pair.server.send_frame(stream_id, frame).unwrap();
    }
    pair.drive();
    assert_eq!(pair.client_frames(), sent);

    pair.server.end_play(stream_id).unwrap();
    pair.drive();
    let ended = pair
        .client_events
        .iter()
        .filter(|e| **e == ClientEvent::StreamEnded);
    assert_eq!(ended.count(), 1);
}

#[test]
fn rejected_publish_reaches_the_client_as_bad_name() {
    let mut pair = Pair::default_pair();
    pair.client.publish("wrong-key").unwrap();
    pair.drive();
    let stream_id = pair.take_publish_request();
    pair.server
        .reject_publish(stream_id, "Unknown stream key.")
        .unwrap();
    pair.drive();
    assert!(pair.client_events.contains(&ClientEvent::Rejected {
        code: status_code::PUBLISH_BAD_NAME.into(),
        description: "Unknown stream key.".into()
    }));
    assert!(pair.server_frames().is_empty());
    assert!(
        pair.server.accept_publish(stream_id).is_err(),
        "no longer pending"
    );
}

#[test]
fn rejected_play_reaches_the_client_as_stream_not_found() {
    let mut pair = Pair::default_pair();
    pair.client.play("nobody").unwrap();
    pair.drive();
    pair.server.reject_play(1, "No such stream.").unwrap();
    pair.drive();
    assert!(pair.client_events.iter().any(|e| matches!(
        e,
        ClientEvent::Rejected { code, .. } if code == status_code::PLAY_STREAM_NOT_FOUND
    )));
}

#[test]
fn stopping_a_publish_reports_unpublished_once() {
    let mut pair = Pair::default_pair();
    let stream_id = pair.publishing("k");
    pair.client.stop();
    pair.drive();
    let count = pair
        .server_events
        .iter()
        .filter(|e| **e == ServerEvent::Unpublished { stream_id })
        .count();
    assert_eq!(count, 1);
}

#[test]
fn closing_the_connection_ends_publishes_and_plays() {
    let mut pair = Pair::default_pair();
    let stream_id = pair.publishing("k");
    pair.server.handle_close();
    assert_eq!(
        pair.server.poll_event(),
        Some(ServerEvent::Unpublished { stream_id })
    );
    assert!(pair.server.handle_input(b"x", pair.now).is_err());
}

#[test]
fn frames_before_acceptance_are_dropped() {
    let mut pair = Pair::default_pair();
    pair.client.publish("k").unwrap();
    pair.drive();
    // The client is not publishing yet, so it refuses to send.
    assert!(pair.client.send_frame(&audio_frame(0)).is_err());
    assert!(pair.server_frames().is_empty());
}

#[test]
fn everything_works_when_bytes_arrive_a_few_at_a_time() {
    let mut pair = Pair::default_pair();
    pair.fragment = 7;
    pair.publishing("k");
    let sent = [video_keyframe(0, 5000), audio_frame(0x0100_0000)];
    for frame in &sent {
        pair.client.send_frame(frame).unwrap();
    }
    pair.drive();
    assert_eq!(pair.server_frames(), sent);
}

#[test]
fn the_server_announces_its_chunk_size_on_connect() {
    let mut pair = Pair::default_pair();
    assert_eq!(pair.server.outgoing_chunk_size(), 128);
    pair.drive();
    assert_eq!(pair.server.outgoing_chunk_size(), 4096);
    assert_eq!(pair.server.app(), "live");
}

#[test]
fn too_many_message_streams_close_the_connection() {
    let config = crate::ServerConfig {
        max_message_streams: 1,
        ..crate::ServerConfig::default()
    };
    let mut pair = Pair::new(config, super::util::client_config());
    pair.drive();
    let create = crate::command::CreateStream {
        transaction_id: 9.0,
    };
    let bytes = crate::chunk::encode_message(
        &crate::chunk::MessageHeader {
            csid: 3,
            timestamp: 0,
            type_id: 20,
            stream_id: 0,
        },
        &create.to_raw().encode(),
        4096,
    )
    .unwrap();
    pair.server.handle_input(&bytes, pair.now).unwrap();
    assert_eq!(
        pair.server.handle_input(&bytes, pair.now),
        Err(crate::SessionError::TooManyStreams { max: 1 })
    );
}

#[test]
fn media_sent_before_the_decision_is_delivered_on_acceptance() {
    let mut pair = Pair::default_pair();
    pair.client.publish("k").unwrap();
    pair.drive();
    let stream_id = pair.take_publish_request();
    let frame = video_keyframe(40, 100);
    let header = crate::chunk::MessageHeader {
        csid: 6,
        timestamp: 40,
        type_id: 9,
        stream_id,
    };
    let bytes = crate::chunk::encode_message(&header, &frame.data, 4096).unwrap();
    pair.deliver_to_server(&bytes);
    assert!(pair.server_frames().is_empty());
    pair.server.accept_publish(stream_id).unwrap();
    pair.drive();
    assert_eq!(pair.server_frames(), vec![frame]);
}

/// ffmpeg's listen mode sends media on another message stream id than the
/// one createStream returned; a playing client takes it anyway.
#[test]
fn a_player_accepts_media_on_any_message_stream() {
    let mut pair = Pair::default_pair();
    pair.client.play("room").unwrap();
    pair.drive();
    pair.server.accept_play(1).unwrap();
    pair.drive();
    let frame = audio_frame(5);
    let bytes = crate::chunk::encode_frame(&frame, 0, 4096).unwrap();
    pair.client.handle_input(&bytes, pair.now).unwrap();
    assert_eq!(pair.client.poll_event(), Some(ClientEvent::Frame(frame)));
}

#[test]
fn a_player_that_has_sent_everything_keeps_no_read_buffer() {
    let mut pair = Pair::default_pair();
    pair.client.play("room").unwrap();
    // Half the handshake in: its bytes wait for the rest.
    let hello = drain_client(&mut pair);
    pair.deliver_to_server(&hello[..hello.len() / 2]);
    assert!(pair.server.read_buffer_capacity() > 0);
    pair.deliver_to_server(&hello[hello.len() / 2..]);
    pair.drive();
    let stream_id = pair
        .server_events
        .iter()
        .find_map(|e| match e {
            ServerEvent::PlayRequested { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .expect("a play request");
    pair.server.accept_play(stream_id).unwrap();
    pair.drive();
    assert_eq!(pair.server.read_buffer_capacity(), 0);
}

fn drain_client(pair: &mut Pair) -> Vec<u8> {
    let mut bytes = Vec::new();
    while let Some(b) = pair.client.poll_transmit() {
        bytes.extend_from_slice(&b);
    }
    bytes
}
