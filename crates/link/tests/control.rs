//! The control stream driven end to end: a client and a server connection
//! joined in memory, time advanced by hand.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use link::frame::{Challenge, ErrorCode, Frame, Hello, Welcome};
use link::scram::{Verifier, DEFAULT_ITERATIONS};
use link::{
    ClientConfig, ClientConnection, ClientEvent, LinkError, ServerConfig, ServerConnection,
    ServerEvent, CONTROL_MAX_FRAME,
};

const SECRET: &[u8] = b"edge secret";
const BEAT: Duration = Duration::from_secs(5);

fn bytes(fill: u8) -> Bytes {
    Bytes::from(vec![fill; 24])
}

/// Both ends plus the glue's stand-ins: a verifier registry and the set of
/// streams live on the server.
struct Pair {
    now: Instant,
    client: ClientConnection,
    server: ServerConnection,
    registry: HashMap<String, Verifier>,
    live_on_server: BTreeSet<String>,
    client_events: Vec<ClientEvent>,
    server_events: Vec<ServerEvent>,
    /// When false, the client's bytes are lost (a hung link).
    deliver_client: bool,
}

impl Pair {
    fn new(server: ServerConfig, client: ClientConfig) -> Self {
        let now = Instant::now();
        Self {
            now,
            client: ClientConnection::new(client, bytes(1), bytes(9), Bytes::new(), now),
            server: ServerConnection::new(server, bytes(2), Bytes::new(), now),
            registry: HashMap::new(),
            live_on_server: BTreeSet::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            deliver_client: true,
        }
    }

    fn known(secret: &[u8]) -> Self {
        let mut pair = Self::new(ServerConfig::default(), ClientConfig::new("edge-1", SECRET));
        let verifier = Verifier::derive(secret, bytes(7), DEFAULT_ITERATIONS);
        pair.registry.insert("edge-1".into(), verifier);
        pair
    }

    /// Moves bytes both ways until neither side has anything to say.
    fn drive(&mut self) {
        for _ in 0..100 {
            let mut moved = false;
            while let Some(b) = self.client.poll_transmit() {
                moved = true;
                if self.deliver_client {
                    let _ = self.server.handle_input(&b, self.now);
                }
            }
            self.drain_server();
            while let Some(b) = self.server.poll_transmit() {
                moved = true;
                let _ = self.client.handle_input(&b, self.now);
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("the pair kept talking for 100 rounds");
    }

    fn drain_server(&mut self) {
        while let Some(event) = self.server.poll_event() {
            match &event {
                ServerEvent::VerifierNeeded { name } => {
                    let v = self.registry.get(name).cloned();
                    // A refusal is reported as a Closed event.
                    let _ = self.server.handle_verifier(v, self.now);
                }
                ServerEvent::Registered { name, verifier } => {
                    self.registry.insert(name.clone(), verifier.clone());
                }
                ServerEvent::Announced { stream } if self.live_on_server.contains(stream) => {
                    self.server
                        .refuse_stream(stream, &format!("{stream} is already live here"));
                }
                ServerEvent::Announced { stream } => {
                    self.live_on_server.insert(stream.clone());
                }
                ServerEvent::Withdrawn { stream } => {
                    self.live_on_server.remove(stream);
                }
                _ => {}
            }
            self.server_events.push(event);
        }
    }

    /// Advances the clock in steps of at most `step`, firing every timer.
    fn advance(&mut self, total: Duration, step: Duration) {
        let end = self.now + total;
        while self.now < end {
            self.now = (self.now + step).min(end);
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
            self.drive();
        }
    }

    fn client_closed(&self) -> Option<&LinkError> {
        self.client_events.iter().find_map(|e| match e {
            ClientEvent::Closed { error } => Some(error),
            _ => None,
        })
    }

    fn server_closed(&self) -> Option<&LinkError> {
        self.server_events.iter().find_map(|e| match e {
            ServerEvent::Closed { error } => Some(error),
            _ => None,
        })
    }

    fn connected(&self) -> bool {
        self.client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::Connected { .. }))
            && self.server.client_name() == Some("edge-1")
    }
}

#[test]
fn a_known_client_with_the_right_secret_connects() {
    let mut pair = Pair::known(SECRET);
    pair.drive();
    assert!(pair.connected(), "{:?}", pair.client_events);
    assert!(pair.server_events.contains(&ServerEvent::Authenticated {
        name: "edge-1".into()
    }));
    assert_eq!(pair.client_closed(), None);
}

#[test]
fn an_unknown_client_registers_its_verifier_and_can_log_in_again() {
    let mut pair = Pair::new(ServerConfig::default(), ClientConfig::new("edge-1", SECRET));
    pair.drive();
    assert!(pair.connected());
    assert!(pair.client_events.contains(&ClientEvent::Registering));
    let stored = pair.registry.get("edge-1").cloned().unwrap();
    assert_eq!(stored.iterations, DEFAULT_ITERATIONS);

    let mut again = Pair::new(ServerConfig::default(), ClientConfig::new("edge-1", SECRET));
    again.registry.insert("edge-1".into(), stored);
    again.drive();
    assert!(again.connected());
    assert!(!again.client_events.contains(&ClientEvent::Registering));
}

#[test]
fn an_unknown_client_is_refused_when_auto_register_is_off() {
    let config = ServerConfig {
        auto_register: false,
        ..ServerConfig::default()
    };
    let mut pair = Pair::new(config, ClientConfig::new("edge-1", SECRET));
    pair.drive();
    let Some(LinkError::Refused { code, reason }) = pair.client_closed() else {
        panic!("client not refused: {:?}", pair.client_events);
    };
    assert_eq!(*code, ErrorCode::UnknownName);
    assert!(reason.contains("auto_register is off"), "{reason}");
    assert!(matches!(
        pair.server_closed(),
        Some(LinkError::RefusedHere {
            code: ErrorCode::UnknownName,
            ..
        })
    ));
    assert!(pair.registry.is_empty());
}

#[test]
fn a_wrong_secret_is_refused_on_both_sides_with_a_reason() {
    let mut pair = Pair::known(b"the real secret");
    pair.drive();
    let Some(LinkError::Refused { code, reason }) = pair.client_closed() else {
        panic!("client not refused: {:?}", pair.client_events);
    };
    assert_eq!(*code, ErrorCode::WrongSecret);
    assert!(reason.contains("wrong secret"), "{reason}");
    assert!(pair
        .server_events
        .iter()
        .any(|e| matches!(e, ServerEvent::AuthFailed { name, .. } if name == "edge-1")));
    assert!(!pair.connected());
}

#[test]
fn a_server_that_cannot_sign_is_rejected_by_the_client() {
    let now = Instant::now();
    let config = ClientConfig::new("edge-1", SECRET);
    let mut client = ClientConnection::new(config, bytes(1), bytes(9), Bytes::new(), now);
    let hello = decode(&client.poll_transmit().unwrap());
    assert!(matches!(hello, Frame::Hello(Hello { ref name, .. }) if name == "edge-1"));
    let challenge = Frame::Challenge(Challenge {
        nonce: bytes(2),
        salt: bytes(3),
        iterations: DEFAULT_ITERATIONS,
    });
    client.handle_input(&encode(&challenge), now).unwrap();
    assert!(matches!(
        decode(&client.poll_transmit().unwrap()),
        Frame::Proof(_)
    ));
    let forged = Frame::Welcome(Welcome {
        signature: [0x42; 32],
        heartbeat_ms: 5000,
    });
    let result = client.handle_input(&encode(&forged), now);
    assert!(matches!(result, Err(LinkError::Auth(_))), "{result:?}");
    let Frame::Error(error) = decode(&client.poll_transmit().unwrap()) else {
        panic!("no error frame sent");
    };
    assert_eq!(error.code, ErrorCode::BadServerSignature);
    assert!(client.announce("cam").is_err());
}

#[test]
fn an_unsupported_version_is_refused_with_the_versions_named() {
    let now = Instant::now();
    let mut server = ServerConnection::new(ServerConfig::default(), bytes(2), Bytes::new(), now);
    let hello = Frame::Hello(Hello {
        version: 9,
        name: "edge-1".into(),
        nonce: bytes(1),
    });
    assert!(server.handle_input(&encode(&hello), now).is_err());
    let Frame::Error(error) = decode(&server.poll_transmit().unwrap()) else {
        panic!("no error frame sent");
    };
    assert_eq!(error.code, ErrorCode::UnsupportedVersion);
    assert!(error.reason.contains("version 9"), "{}", error.reason);
}

#[test]
fn heartbeats_keep_an_idle_link_open() {
    let mut pair = Pair::known(SECRET);
    pair.drive();
    pair.advance(Duration::from_secs(600), Duration::from_secs(1));
    assert!(pair.connected());
    assert_eq!(pair.client_closed(), None);
    assert_eq!(pair.server_closed(), None);
}

#[test]
fn a_silent_client_is_closed_after_three_heartbeats() {
    let mut pair = Pair::known(SECRET);
    pair.drive();
    pair.deliver_client = false;
    pair.advance(BEAT * 3 - Duration::from_secs(1), Duration::from_secs(1));
    assert_eq!(pair.server_closed(), None);
    pair.advance(Duration::from_secs(2), Duration::from_secs(1));
    assert_eq!(pair.server_closed(), Some(&LinkError::Timeout(BEAT * 3)));
    let Some(LinkError::Refused { code, .. }) = pair.client_closed() else {
        panic!("client not told: {:?}", pair.client_events);
    };
    assert_eq!(*code, ErrorCode::Timeout);
}

#[test]
fn a_server_that_never_answers_the_hello_times_out_on_the_client() {
    let now = Instant::now();
    let config = ClientConfig::new("edge-1", SECRET);
    let mut client = ClientConnection::new(config, bytes(1), bytes(9), Bytes::new(), now);
    let deadline = client.poll_timeout().unwrap();
    assert_eq!(deadline, now + BEAT * 3);
    client.handle_timeout(deadline);
    assert!(std::iter::from_fn(|| client.poll_event()).any(|e| matches!(
        e,
        ClientEvent::Closed {
            error: LinkError::Timeout(_)
        }
    )));
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn a_stream_published_on_the_client_appears_on_the_server_until_withdrawn() {
    let mut pair = Pair::known(SECRET);
    pair.drive();
    pair.client.announce("cam").unwrap();
    pair.drive();
    assert!(pair.live_on_server.contains("cam"));
    assert_eq!(pair.server.streams().collect::<Vec<_>>(), ["cam"]);
    pair.client.withdraw("cam").unwrap();
    pair.drive();
    assert!(pair.live_on_server.is_empty());
}

#[test]
fn a_stream_name_clash_is_refused_with_a_reason_and_the_link_stays_up() {
    let mut pair = Pair::known(SECRET);
    pair.live_on_server.insert("cam".into());
    pair.drive();
    pair.client.announce("cam").unwrap();
    pair.client.announce("stage").unwrap();
    pair.drive();
    assert!(pair.client_events.contains(&ClientEvent::StreamRefused {
        stream: "cam".into(),
        reason: "cam is already live here".into(),
    }));
    assert_eq!(pair.server.streams().collect::<Vec<_>>(), ["stage"]);
    assert!(pair.connected());
    assert_eq!(pair.client_closed(), None);
}

#[test]
fn a_closed_link_withdraws_every_announced_stream() {
    let mut pair = Pair::known(SECRET);
    pair.drive();
    pair.client.announce("a").unwrap();
    pair.client.announce("b").unwrap();
    pair.drive();
    pair.deliver_client = false;
    pair.advance(BEAT * 4, Duration::from_secs(1));
    assert!(pair.live_on_server.is_empty());
    assert!(pair.server_closed().is_some());
}

#[test]
fn garbage_closes_the_connection_with_a_protocol_error() {
    let now = Instant::now();
    let mut server = ServerConnection::new(ServerConfig::default(), bytes(2), Bytes::new(), now);
    let result = server.handle_input(&[0, 0, 0, 3, 0x77, 1, 2], now);
    assert!(matches!(result, Err(LinkError::Frame(_))), "{result:?}");
    let Frame::Error(error) = decode(&server.poll_transmit().unwrap()) else {
        panic!("no error frame sent");
    };
    assert_eq!(error.code, ErrorCode::Protocol);
    assert!(error.reason.contains("0x77"), "{}", error.reason);
    assert_eq!(server.handle_input(b"more", now), Err(LinkError::Closed));
}

#[test]
fn announcing_before_the_handshake_is_refused_locally() {
    let pair = Pair::known(SECRET);
    let mut client = pair.client;
    assert_eq!(client.announce("cam"), Err(LinkError::NotOpen));
}

fn encode(frame: &Frame) -> Bytes {
    frame.encode(CONTROL_MAX_FRAME).unwrap()
}

fn decode(bytes: &[u8]) -> Frame {
    let mut buf = BytesMut::from(bytes);
    Frame::decode(&mut buf, CONTROL_MAX_FRAME).unwrap().unwrap()
}
