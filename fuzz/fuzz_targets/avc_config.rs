//! A publisher's AVC sequence header payload into `AvcConfig::parse`: it
//! never panics; a record that parses re-encodes to a record that parses
//! equal, no longer than the input; every cut of that record is refused;
//! the parameter sets are slices of the input; bytes after the last PPS
//! (High-profile chroma fields, or junk) change nothing; and an error for a
//! short record reports the true length.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::{AvcConfig, Codec, MediaError};

/// The record for `config` with every reserved bit set, as encoders write it.
fn encode(config: &AvcConfig) -> Vec<u8> {
    let mut out = vec![
        1,
        config.profile,
        config.compatibility,
        config.level,
        0xfc | (config.nal_length_size - 1),
        0xe0 | u8::try_from(config.sps.len()).expect("at most 31 SPS"),
    ];
    put_units(&config.sps, &mut out);
    out.push(u8::try_from(config.pps.len()).expect("at most 255 PPS"));
    put_units(&config.pps, &mut out);
    out
}

fn put_units(units: &[Bytes], out: &mut Vec<u8>) {
    for unit in units {
        let len = u16::try_from(unit.len()).expect("a parameter set has a 16-bit length");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(unit);
    }
}

fn within(part: &Bytes, whole: &Bytes) -> bool {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    part.is_empty() || (at >= start && at + part.len() <= start + whole.len())
}

fuzz_target!(|data: &[u8]| {
    let record = Bytes::copy_from_slice(data);
    let config = match AvcConfig::parse(&record) {
        Ok(config) => config,
        Err(MediaError::ConfigTruncated {
            codec,
            needed,
            have,
        }) => {
            assert_eq!((codec, have), (Codec::Avc, data.len()));
            assert!(needed > have);
            return;
        }
        Err(_) => return,
    };
    assert!(matches!(config.nal_length_size, 1 | 2 | 4));
    assert!(config
        .sps
        .iter()
        .chain(&config.pps)
        .all(|unit| within(unit, &record)));

    let encoded = encode(&config);
    assert!(encoded.len() <= data.len());
    assert_eq!(
        AvcConfig::parse(&Bytes::from(encoded.clone())),
        Ok(config.clone())
    );
    if encoded.len() <= 256 {
        for cut in 0..encoded.len() {
            assert!(AvcConfig::parse(&Bytes::copy_from_slice(&encoded[..cut])).is_err());
        }
    }
    let mut longer = data.to_vec();
    longer.extend_from_slice(&[0xfd, 0xf8, 0xf8, 0x00]);
    assert_eq!(AvcConfig::parse(&Bytes::from(longer)), Ok(config.clone()));

    let mut annexb = Vec::new();
    config.write_parameter_sets(&mut annexb);
    let units = config.sps.iter().chain(&config.pps);
    assert_eq!(
        annexb.len(),
        units.map(|unit| 4 + unit.len()).sum::<usize>()
    );
});
