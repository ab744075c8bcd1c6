//! H.264: the AVCDecoderConfigurationRecord (ISO/IEC 14496-15) carried by
//! the AVC sequence header.

use bytes::Bytes;

use crate::nal::write_annexb;
use crate::reader::Reader;
use crate::{Codec, MediaError};

/// H.264 NAL unit types synctv looks at.
pub mod nal_type {
    pub const IDR: u8 = 5;
    pub const SEI: u8 = 6;
    pub const SPS: u8 = 7;
    pub const PPS: u8 = 8;
    pub const AUD: u8 = 9;
}

/// The type of an H.264 NAL unit from its first byte.
pub fn nal_unit_type(unit: &[u8]) -> Option<u8> {
    unit.first().map(|b| b & 0x1f)
}

/// A parsed AVCDecoderConfigurationRecord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcConfig {
    pub profile: u8,
    pub compatibility: u8,
    pub level: u8,
    /// Bytes in the length field before each NAL unit of a coded frame (1, 2 or 4).
    pub nal_length_size: u8,
    /// Sequence parameter sets, shared with the record.
    pub sps: Vec<Bytes>,
    /// Picture parameter sets, shared with the record.
    pub pps: Vec<Bytes>,
}

impl AvcConfig {
    /// Parses the record (the payload of an AVC sequence header frame).
    pub fn parse(record: &Bytes) -> Result<AvcConfig, MediaError> {
        let mut r = Reader::new(record, Codec::Avc);
        let version = r.u8()?;
        if version != 1 {
            return Err(MediaError::ConfigVersion {
                codec: Codec::Avc,
                version,
            });
        }
        let profile = r.u8()?;
        let compatibility = r.u8()?;
        let level = r.u8()?;
        let nal_length_size = (r.u8()? & 0x03) + 1;
        if nal_length_size == 3 {
            return Err(MediaError::NalLengthSize(nal_length_size));
        }
        let sps_count = usize::from(r.u8()? & 0x1f);
        let sps = r.parameter_sets(sps_count)?;
        let pps_count = usize::from(r.u8()?);
        let pps = r.parameter_sets(pps_count)?;
        Ok(AvcConfig {
            profile,
            compatibility,
            level,
            nal_length_size,
            sps,
            pps,
        })
    }

    /// Appends every SPS then every PPS to `out` in Annex B.
    pub fn write_parameter_sets(&self, out: &mut Vec<u8>) {
        for unit in self.sps.iter().chain(&self.pps) {
            write_annexb(unit, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &[u8] = &[
        1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 2, 0x68, 0xee,
    ];

    #[test]
    fn reads_profile_length_size_and_parameter_sets() {
        let config = AvcConfig::parse(&Bytes::from_static(RECORD)).unwrap();
        assert_eq!(config.profile, 0x64);
        assert_eq!(config.level, 0x1f);
        assert_eq!(config.nal_length_size, 4);
        assert_eq!(config.sps, vec![Bytes::from_static(&[0x67, 0x64, 0, 0x1f])]);
        assert_eq!(config.pps, vec![Bytes::from_static(&[0x68, 0xee])]);
        assert_eq!(nal_unit_type(&config.sps[0]), Some(nal_type::SPS));
    }

    #[test]
    fn parameter_sets_are_written_in_annexb() {
        let config = AvcConfig::parse(&Bytes::from_static(RECORD)).unwrap();
        let mut out = Vec::new();
        config.write_parameter_sets(&mut out);
        assert_eq!(
            out,
            [0, 0, 0, 1, 0x67, 0x64, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xee]
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        for len in 0..RECORD.len() {
            let record = Bytes::copy_from_slice(&RECORD[..len]);
            assert!(AvcConfig::parse(&record).is_err(), "len {len}");
        }
    }

    #[test]
    fn a_parameter_set_length_past_the_end_is_reported() {
        let record = Bytes::from_static(&[1, 0x64, 0, 0x1f, 0xff, 0xe1, 0xff, 0xff, 0x67]);
        assert_eq!(
            AvcConfig::parse(&record),
            Err(MediaError::ConfigTruncated {
                codec: Codec::Avc,
                needed: 8 + 0xffff,
                have: 9
            })
        );
    }

    #[test]
    fn unknown_version_is_refused() {
        let record = Bytes::from_static(&[2, 0x64, 0, 0x1f, 0xff, 0xe0, 0]);
        assert_eq!(
            AvcConfig::parse(&record),
            Err(MediaError::ConfigVersion {
                codec: Codec::Avc,
                version: 2
            })
        );
    }
}
