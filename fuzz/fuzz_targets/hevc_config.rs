//! A publisher's HEVC sequence header payload (`hvcC`) into
//! `HevcConfig::parse`: it never panics; a record that parses re-encodes
//! (VPS, SPS and PPS arrays only) to a record that parses equal, no longer
//! than the input; every cut of that record is refused; the parameter sets
//! are slices of the input; bytes after the last array change nothing; and
//! an error for a short record reports the true length.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use media::hevc::nal_type;
use media::{Codec, HevcConfig, MediaError};

/// The record for `config`; `None` when an array would need more than the
/// 16-bit unit count (only inputs far beyond the fuzzer's sizes do).
fn encode(config: &HevcConfig) -> Option<Vec<u8>> {
    let mut out = vec![1, config.profile, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0];
    out.push(config.level);
    out.extend_from_slice(&[0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0]);
    out.push(0x0c | (config.nal_length_size - 1));
    let arrays = [
        (nal_type::VPS, &config.vps),
        (nal_type::SPS, &config.sps),
        (nal_type::PPS, &config.pps),
    ];
    let present = arrays.iter().filter(|(_, units)| !units.is_empty());
    out.push(present.clone().count() as u8);
    for (nal_type, units) in present {
        out.push(0x80 | nal_type);
        out.extend_from_slice(&u16::try_from(units.len()).ok()?.to_be_bytes());
        for unit in units.iter() {
            let len = u16::try_from(unit.len()).expect("a parameter set has a 16-bit length");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(unit);
        }
    }
    Some(out)
}

fn within(part: &Bytes, whole: &Bytes) -> bool {
    let start = whole.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    part.is_empty() || (at >= start && at + part.len() <= start + whole.len())
}

fuzz_target!(|data: &[u8]| {
    let record = Bytes::copy_from_slice(data);
    let config = match HevcConfig::parse(&record) {
        Ok(config) => config,
        Err(MediaError::ConfigTruncated {
            codec,
            needed,
            have,
        }) => {
            assert_eq!((codec, have), (Codec::Hevc, data.len()));
            assert!(needed > have);
            return;
        }
        Err(_) => return,
    };
    assert!(matches!(config.nal_length_size, 1 | 2 | 4));
    let units = || config.vps.iter().chain(&config.sps).chain(&config.pps);
    assert!(units().all(|unit| within(unit, &record)));

    if let Some(encoded) = encode(&config) {
        assert!(encoded.len() <= data.len());
        assert_eq!(
            HevcConfig::parse(&Bytes::from(encoded.clone())),
            Ok(config.clone())
        );
        if encoded.len() <= 256 {
            for cut in 0..encoded.len() {
                assert!(HevcConfig::parse(&Bytes::copy_from_slice(&encoded[..cut])).is_err());
            }
        }
    }
    let mut longer = data.to_vec();
    longer.extend_from_slice(&[0xa0, 0x00, 0x01]);
    assert_eq!(HevcConfig::parse(&Bytes::from(longer)), Ok(config.clone()));

    let mut annexb = Vec::new();
    config.write_parameter_sets(&mut annexb);
    assert_eq!(
        annexb.len(),
        units().map(|unit| 4 + unit.len()).sum::<usize>()
    );
});
