use bytes::Bytes;

use super::*;

const SECRET: &[u8] = b"correct horse battery staple";

fn nonce(fill: u8) -> Bytes {
    Bytes::from(vec![fill; 24])
}

fn verifier(secret: &[u8]) -> Verifier {
    Verifier::derive(secret, nonce(0x5a), DEFAULT_ITERATIONS)
}

/// Runs one exchange; returns the server's verdict and, if it accepted,
/// the client's verdict on the server's signature.
fn exchange(
    client: &mut ClientExchange,
    stored: Verifier,
    server_nonce: u8,
    server_binding: &[u8],
) -> Result<Result<(), AuthError>, AuthError> {
    let (server, challenge) =
        ServerExchange::new(stored, client.hello(), nonce(server_nonce), server_binding);
    let proof = client.handle_challenge(&challenge)?;
    let signature = server.verify(&proof)?;
    Ok(client.handle_welcome(&Welcome {
        signature,
        heartbeat_ms: 5000,
    }))
}

#[test]
fn both_sides_accept_when_the_secret_matches() {
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    assert_eq!(exchange(&mut client, verifier(SECRET), 2, b""), Ok(Ok(())));
}

#[test]
fn a_wrong_secret_is_refused_by_the_server_with_a_reason() {
    let mut client = ClientExchange::new("edge-1", b"guess", nonce(1), Bytes::new());
    let verdict = exchange(&mut client, verifier(SECRET), 2, b"");
    assert_eq!(verdict, Err(AuthError::WrongSecret));
    assert!(AuthError::WrongSecret.to_string().contains("wrong secret"));
}

#[test]
fn a_server_that_does_not_know_the_secret_is_detected_by_the_client() {
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    let (_, challenge) = ServerExchange::new(verifier(SECRET), client.hello(), nonce(2), b"");
    client.handle_challenge(&challenge).unwrap();
    // An impostor knows the public salt and iterations but not ServerKey:
    // it signs with a verifier of its own.
    let (impostor, _) = ServerExchange::new(verifier(b"other"), client.hello(), nonce(2), b"");
    let forged = impostor.verify(&Proof { proof: [0; 32] });
    assert_eq!(forged, Err(AuthError::WrongSecret));
    let made_up = Welcome {
        signature: hmac(&verifier(b"other").server_key, &[b"anything"]),
        heartbeat_ms: 5000,
    };
    assert_eq!(
        client.handle_welcome(&made_up),
        Err(AuthError::BadServerSignature)
    );
}

#[test]
fn a_server_with_another_clients_verifier_fails_the_signature_check() {
    // The impostor accepts any proof (it skips verify) and signs with the
    // ServerKey it has: not this client's.
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    let other = verifier(b"other");
    let (_, challenge) = ServerExchange::new(verifier(SECRET), client.hello(), nonce(2), b"");
    client.handle_challenge(&challenge).unwrap();
    let message = auth_message(client.hello(), &challenge, b"");
    let signature = hmac(&other.server_key, &[&message]);
    let welcome = Welcome {
        signature,
        heartbeat_ms: 5000,
    };
    assert_eq!(
        client.handle_welcome(&welcome),
        Err(AuthError::BadServerSignature)
    );
}

#[test]
fn an_old_proof_replayed_against_a_new_server_nonce_fails() {
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    let (first, challenge) = ServerExchange::new(verifier(SECRET), client.hello(), nonce(2), b"");
    let proof = client.handle_challenge(&challenge).unwrap();
    assert!(first.verify(&proof).is_ok());
    let (second, _) = ServerExchange::new(verifier(SECRET), client.hello(), nonce(3), b"");
    assert_eq!(second.verify(&proof), Err(AuthError::WrongSecret));
}

#[test]
fn the_stored_verifier_cannot_log_in() {
    let stored = verifier(SECRET);
    // StoredKey used as if it were the secret.
    let mut client = ClientExchange::new("edge-1", &stored.stored_key, nonce(1), Bytes::new());
    assert_eq!(
        exchange(&mut client, stored.clone(), 2, b""),
        Err(AuthError::WrongSecret)
    );
    // A proof built from StoredKey in place of ClientKey.
    let hello = client.hello().clone();
    let (server, challenge) = ServerExchange::new(stored.clone(), &hello, nonce(2), b"");
    let message = auth_message(&hello, &challenge, b"");
    let signature = hmac(&stored.stored_key, &[&message]);
    let forged = Proof {
        proof: xor(&stored.stored_key, &signature),
    };
    assert_eq!(server.verify(&forged), Err(AuthError::WrongSecret));
}

#[test]
fn a_different_channel_binding_fails_the_exchange() {
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::from_static(b"tls-a"));
    assert_eq!(
        exchange(&mut client, verifier(SECRET), 2, b"tls-b"),
        Err(AuthError::WrongSecret)
    );
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::from_static(b"tls-a"));
    assert_eq!(
        exchange(&mut client, verifier(SECRET), 2, b"tls-a"),
        Ok(Ok(()))
    );
}

#[test]
fn registration_material_logs_in_and_does_not_contain_the_secret() {
    let client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    let register = client.register(nonce(9), DEFAULT_ITERATIONS).unwrap();
    let encoded = crate::Frame::Register(register.clone())
        .encode(crate::CONTROL_MAX_FRAME)
        .unwrap();
    assert!(!encoded.windows(SECRET.len()).any(|w| w == SECRET));
    let stored = Verifier::from_register(&register);
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    assert_eq!(exchange(&mut client, stored, 2, b""), Ok(Ok(())));
}

#[test]
fn the_client_refuses_a_challenge_with_too_few_or_too_many_iterations() {
    let mut client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    for iterations in [1, MIN_ITERATIONS - 1, MAX_ITERATIONS + 1] {
        let challenge = Challenge {
            nonce: nonce(2),
            salt: nonce(3),
            iterations,
        };
        assert_eq!(
            client.handle_challenge(&challenge),
            Err(AuthError::IterationsOutOfRange { iterations })
        );
    }
}

#[test]
fn a_welcome_before_the_challenge_is_refused() {
    let client = ClientExchange::new("edge-1", SECRET, nonce(1), Bytes::new());
    let welcome = Welcome {
        signature: [0; 32],
        heartbeat_ms: 5000,
    };
    assert_eq!(
        client.handle_welcome(&welcome),
        Err(AuthError::WelcomeBeforeProof)
    );
}
