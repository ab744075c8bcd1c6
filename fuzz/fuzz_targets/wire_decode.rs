//! Realtime protocol decoding of arbitrary frames, as binary (protobuf)
//! and as text (JSON): never panics; whatever decodes re-encodes to a
//! frame that decodes to the same message, and maps to the room (or is
//! refused) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = wire::protobuf::decode_client(data) {
        let again = wire::protobuf::decode_client(&wire::protobuf::encode_client(&message));
        assert_eq!(again.expect("our own encoding decodes"), message);
        let via_json = wire::json::decode_client(&wire::json::encode_client(&message));
        assert_eq!(via_json.expect("our own JSON decodes"), message);
        let _ = wire::Inbound::try_from(message);
    }
    if let Ok(message) = wire::protobuf::decode_server(data) {
        let again = wire::protobuf::decode_server(&wire::protobuf::encode_server(&message));
        assert_eq!(again.expect("our own encoding decodes"), message);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(message) = wire::json::decode_client(text) {
            let again = wire::json::decode_client(&wire::json::encode_client(&message));
            assert_eq!(again.expect("our own JSON decodes"), message);
            let _ = wire::Inbound::try_from(message);
        }
        if let Ok(message) = wire::json::decode_server(text) {
            let again = wire::json::decode_server(&wire::json::encode_server(&message));
            assert_eq!(again.expect("our own JSON decodes"), message);
        }
    }
});
