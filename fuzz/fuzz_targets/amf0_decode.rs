//! AMF0 decoding of arbitrary bytes: never panics; whatever decodes
//! re-encodes to bytes that decode to the same encoding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(values) = amf0::decode_all(data) {
        let encoded = amf0::encode_all(&values);
        let again = amf0::decode_all(&encoded).expect("our own encoding decodes");
        assert_eq!(amf0::encode_all(&again), encoded);
    }
});
