//! H.265: the HEVCDecoderConfigurationRecord (`hvcC`, ISO/IEC 14496-15)
//! carried by the HEVC sequence header.

use bytes::Bytes;

use crate::nal::write_annexb;
use crate::reader::Reader;
use crate::{Codec, MediaError};

/// H.265 NAL unit types synctv looks at.
pub mod nal_type {
    /// The first IRAP type (BLA_W_LP); IRAP pictures are 16..=23.
    pub const IRAP_FIRST: u8 = 16;
    pub const IRAP_LAST: u8 = 23;
    pub const VPS: u8 = 32;
    pub const SPS: u8 = 33;
    pub const PPS: u8 = 34;
    pub const AUD: u8 = 35;
    pub const PREFIX_SEI: u8 = 39;
}

/// The type of an H.265 NAL unit from its two-byte header.
pub fn nal_unit_type(unit: &[u8]) -> Option<u8> {
    unit.first().map(|b| (b >> 1) & 0x3f)
}

/// Bytes before `numOfArrays` in the record.
const FIXED_LEN: usize = 22;

/// A parsed HEVCDecoderConfigurationRecord: the parameter set arrays and the
/// NAL length size; the profile fields are kept only as the raw first byte
/// and level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HevcConfig {
    /// general_profile_space, general_tier_flag and general_profile_idc.
    pub profile: u8,
    pub level: u8,
    /// Bytes in the length field before each NAL unit of a coded frame (1, 2 or 4).
    pub nal_length_size: u8,
    pub vps: Vec<Bytes>,
    pub sps: Vec<Bytes>,
    pub pps: Vec<Bytes>,
}

impl HevcConfig {
    /// Parses the record (the payload of an HEVC sequence header frame).
    /// Arrays of NAL types other than VPS, SPS and PPS are skipped.
    pub fn parse(record: &Bytes) -> Result<HevcConfig, MediaError> {
        let mut r = Reader::new(record, Codec::Hevc);
        let version = r.u8()?;
        if version > 1 {
            return Err(MediaError::ConfigVersion {
                codec: Codec::Hevc,
                version,
            });
        }
        let profile = r.u8()?;
        r.skip(10)?;
        let level = r.u8()?;
        r.skip(FIXED_LEN - 13 - 1)?;
        let nal_length_size = (r.u8()? & 0x03) + 1;
        if nal_length_size == 3 {
            return Err(MediaError::NalLengthSize(nal_length_size));
        }
        let mut config = HevcConfig {
            profile,
            level,
            nal_length_size,
            vps: Vec::new(),
            sps: Vec::new(),
            pps: Vec::new(),
        };
        let arrays = r.u8()?;
        for _ in 0..arrays {
            let nal_type = r.u8()? & 0x3f;
            let count = usize::from(r.u16()?);
            let units = r.parameter_sets(count)?;
            match nal_type {
                nal_type::VPS => config.vps.extend(units),
                nal_type::SPS => config.sps.extend(units),
                nal_type::PPS => config.pps.extend(units),
                _ => {}
            }
        }
        Ok(config)
    }

    /// Appends every VPS, SPS then PPS to `out` in Annex B.
    pub fn write_parameter_sets(&self, out: &mut Vec<u8>) {
        for unit in self.vps.iter().chain(&self.sps).chain(&self.pps) {
            write_annexb(unit, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(arrays: &[(u8, &[&[u8]])]) -> Vec<u8> {
        let mut out = vec![1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d];
        out.extend_from_slice(&[0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f]);
        out.push(arrays.len() as u8);
        for (nal_type, units) in arrays {
            out.push(0x80 | nal_type);
            out.extend_from_slice(&(units.len() as u16).to_be_bytes());
            for unit in *units {
                out.extend_from_slice(&(unit.len() as u16).to_be_bytes());
                out.extend_from_slice(unit);
            }
        }
        out
    }

    #[test]
    fn reads_the_parameter_set_arrays() {
        let data = record(&[
            (32, &[&[0x40, 0x01, 0xaa]]),
            (33, &[&[0x42, 0x01, 0xbb]]),
            (34, &[&[0x44, 0x01, 0xcc], &[0x44, 0x01, 0xdd]]),
            (39, &[&[0x4e, 0x01, 0xee]]),
        ]);
        let config = HevcConfig::parse(&Bytes::from(data)).unwrap();
        assert_eq!(config.level, 0x5d);
        assert_eq!(config.nal_length_size, 4);
        assert_eq!(config.vps.len(), 1);
        assert_eq!(config.sps.len(), 1);
        assert_eq!(config.pps.len(), 2);
        assert_eq!(nal_unit_type(&config.vps[0]), Some(nal_type::VPS));
        assert_eq!(nal_unit_type(&config.pps[1]), Some(nal_type::PPS));
    }

    #[test]
    fn parameter_sets_are_written_vps_sps_pps() {
        let data = record(&[
            (34, &[&[0x44, 0x01]]),
            (33, &[&[0x42, 0x01]]),
            (32, &[&[0x40, 0x01]]),
        ]);
        let config = HevcConfig::parse(&Bytes::from(data)).unwrap();
        let mut out = Vec::new();
        config.write_parameter_sets(&mut out);
        assert_eq!(
            out,
            [0, 0, 0, 1, 0x40, 1, 0, 0, 0, 1, 0x42, 1, 0, 0, 0, 1, 0x44, 1]
        );
    }

    #[test]
    fn every_truncation_is_an_error() {
        let data = record(&[(32, &[&[0x40, 0x01, 0xaa]]), (33, &[&[0x42, 0x01]])]);
        for len in 0..data.len() {
            let part = Bytes::copy_from_slice(&data[..len]);
            assert!(HevcConfig::parse(&part).is_err(), "len {len}");
        }
    }

    #[test]
    fn version_two_is_refused() {
        let mut data = record(&[]);
        data[0] = 2;
        assert_eq!(
            HevcConfig::parse(&Bytes::from(data)),
            Err(MediaError::ConfigVersion {
                codec: Codec::Hevc,
                version: 2
            })
        );
    }
}
