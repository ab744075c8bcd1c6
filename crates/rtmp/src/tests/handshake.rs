use std::time::Duration;

use super::util::Pair;
use crate::handshake::{HandshakeMode, PACKET_SIZE, RTMP_VERSION};
use crate::{ClientConfig, ClientSession, ServerConfig, ServerEvent, ServerSession, SessionError};

#[test]
fn sessions_agree_on_a_digest_handshake() {
    let mut pair = Pair::default_pair();
    pair.drive();
    assert_eq!(pair.server.handshake_mode(), Some(HandshakeMode::Digest));
    assert_eq!(pair.client.handshake_mode(), Some(HandshakeMode::Digest));
}

/// A client that sends zero version bytes (no digest) gets an echo and
/// can connect.
#[test]
fn a_plain_client_completes_the_handshake_and_connects() {
    let now = std::time::Instant::now();
    let mut server = ServerSession::new(ServerConfig::default(), now);
    let mut c0c1 = vec![RTMP_VERSION];
    c0c1.extend((0..PACKET_SIZE).map(|i| if (4..8).contains(&i) { 0 } else { i as u8 }));
    server.handle_input(&c0c1, now).unwrap();
    let answer = server.poll_transmit().unwrap();
    assert_eq!(&answer[1 + PACKET_SIZE..], &c0c1[1..], "S2 echoes C1");
    let s1 = answer[1..=PACKET_SIZE].to_vec();

    // Reuse a client session's connect bytes after our plain C2.
    let mut client = ClientSession::new(ClientConfig::new("app", "rtmp://h/app"), now);
    client.poll_transmit();
    client.handle_input(&answer, now).unwrap();
    client.poll_transmit(); // its own C2
    server.handle_input(&s1, now).unwrap();
    while let Some(bytes) = client.poll_transmit() {
        server.handle_input(&bytes, now).unwrap();
    }
    assert_eq!(server.handshake_mode(), Some(HandshakeMode::Plain));
    assert!(matches!(server.poll_event(), Some(ServerEvent::Connect { app, .. }) if app == "app"));
}

/// A server that answers plainly (zero version bytes) gets S1 back as C2.
#[test]
fn the_client_accepts_a_plain_server() {
    let now = std::time::Instant::now();
    let mut client = ClientSession::new(ClientConfig::new("app", "rtmp://h/app"), now);
    client.poll_transmit();
    let mut answer = vec![RTMP_VERSION];
    answer.extend(std::iter::repeat_n(0u8, 8));
    answer.extend((8..PACKET_SIZE).map(|i| i as u8));
    answer.extend(std::iter::repeat_n(1u8, PACKET_SIZE));
    client.handle_input(&answer, now).unwrap();
    assert_eq!(client.handshake_mode(), Some(HandshakeMode::Plain));
    assert_eq!(
        &client.poll_transmit().unwrap()[..],
        &answer[1..=PACKET_SIZE]
    );
}

#[test]
fn a_stalled_handshake_times_out() {
    let mut pair = Pair::default_pair();
    let deadline = pair.server.poll_timeout().unwrap();
    assert_eq!(deadline, pair.now + Duration::from_secs(10));
    pair.advance(Duration::from_secs(9));
    assert_eq!(pair.server.handle_timeout(pair.now), Ok(()));
    pair.advance(Duration::from_secs(1));
    assert_eq!(
        pair.server.handle_timeout(pair.now),
        Err(SessionError::HandshakeTimeout)
    );
    assert_eq!(
        pair.client.handle_timeout(pair.now),
        Err(SessionError::HandshakeTimeout)
    );
}

#[test]
fn a_silent_connection_times_out_but_a_player_does_not() {
    let mut pair = Pair::default_pair();
    pair.drive();
    pair.advance(Duration::from_secs(31));
    assert_eq!(
        pair.server.handle_timeout(pair.now),
        Err(SessionError::IdleTimeout)
    );

    let mut pair = Pair::default_pair();
    pair.client.play("room").unwrap();
    pair.drive();
    pair.server.accept_play(1).unwrap();
    pair.drive();
    assert_eq!(pair.server.poll_timeout(), None);
}

#[test]
fn an_rtmpe_request_is_refused() {
    let now = std::time::Instant::now();
    let mut server = ServerSession::new(ServerConfig::default(), now);
    assert!(matches!(
        server.handle_input(&[6, 0, 0], now),
        Err(SessionError::Handshake(_))
    ));
}
