//! A publisher's AAC sequence header payload (AudioSpecificConfig) into
//! `AudioSpecificConfig::parse`: it never panics; a config that parses
//! re-encodes to bits that parse equal; and whenever it yields an ADTS
//! header, that header carries the config's profile, frequency index,
//! channels and the true frame length, and describes a config that parses
//! back to the same core fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media::aac::ADTS_HEADER_LEN;
use media::{AudioSpecificConfig, MediaError};

/// Frame lengths tried for every config: empty, small, the largest ADTS
/// can carry and the first it cannot.
const PAYLOAD_LENS: [usize; 4] = [
    0,
    371,
    0x1fff - ADTS_HEADER_LEN,
    0x1fff - ADTS_HEADER_LEN + 1,
];

/// Most-significant-bit-first writer.
#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    used: usize,
}

impl Bits {
    fn put(&mut self, value: u32, count: usize) {
        for i in (0..count).rev() {
            if self.used.is_multiple_of(8) {
                self.out.push(0);
            }
            let bit = ((value >> i) & 1) as u8;
            *self.out.last_mut().expect("a byte was pushed") |= bit << (7 - self.used % 8);
            self.used += 1;
        }
    }

    fn object_type(&mut self, object_type: u8) {
        if object_type >= 32 {
            self.put(31, 5);
            self.put(u32::from(object_type - 32), 6);
        } else {
            self.put(u32::from(object_type), 5);
        }
    }

    fn frequency(&mut self, index: u8, hz: u32) {
        self.put(u32::from(index), 4);
        if index == 15 {
            self.put(hz, 24);
        }
    }
}

fn encode(config: &AudioSpecificConfig) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.object_type(if config.sbr { 5 } else { config.object_type });
    bits.frequency(config.sampling_frequency_index, config.sampling_frequency);
    bits.put(u32::from(config.channel_configuration), 4);
    if config.sbr {
        bits.frequency(3, 48_000);
        bits.object_type(config.object_type);
    }
    bits.out
}

fn check_adts(config: &AudioSpecificConfig, payload_len: usize) {
    let header = match config.adts_header(payload_len) {
        Ok(header) => header,
        Err(MediaError::AdtsTooLong(len)) => {
            assert_eq!(len, payload_len);
            assert!(payload_len + ADTS_HEADER_LEN > 0x1fff);
            return;
        }
        Err(_) => return,
    };
    assert_eq!(
        (header[0], header[1] & 0xf6),
        (0xff, 0xf0),
        "ADTS syncword and layer"
    );
    let profile = header[2] >> 6;
    let frequency_index = (header[2] >> 2) & 0x0f;
    let channels = ((header[2] & 1) << 2) | (header[3] >> 6);
    let frame_len = (usize::from(header[3] & 3) << 11)
        | (usize::from(header[4]) << 3)
        | usize::from(header[5] >> 5);
    assert_eq!(profile + 1, config.object_type);
    assert_eq!(frequency_index, config.sampling_frequency_index);
    assert_eq!(channels, config.channel_configuration);
    assert_eq!(frame_len, payload_len + ADTS_HEADER_LEN);

    let mut from_adts = Bits::default();
    from_adts.object_type(profile + 1);
    from_adts.put(u32::from(frequency_index), 4);
    from_adts.put(u32::from(channels), 4);
    let core = AudioSpecificConfig {
        sbr: false,
        ..*config
    };
    assert_eq!(AudioSpecificConfig::parse(&from_adts.out), Ok(core));
}

fuzz_target!(|data: &[u8]| {
    let Ok(config) = AudioSpecificConfig::parse(data) else {
        return;
    };
    let encoded = encode(&config);
    assert_eq!(AudioSpecificConfig::parse(&encoded), Ok(config));
    assert!(encoded.len() <= data.len());
    for len in PAYLOAD_LENS {
        check_adts(&config, len);
    }
});
