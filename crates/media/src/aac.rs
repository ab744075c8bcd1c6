//! AAC: the AudioSpecificConfig (ISO/IEC 14496-3) carried by the AAC
//! sequence header, and the ADTS header MPEG-TS needs before every frame.

use crate::{Codec, MediaError};

/// Sampling frequencies by index; 13 and 14 are reserved, 15 means explicit.
const FREQUENCIES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Object types that signal SBR (5) or PS (29) explicitly; the core object
/// type follows them.
const SBR: u8 = 5;
const PS: u8 = 29;

/// Bytes of an ADTS header without CRC.
pub const ADTS_HEADER_LEN: usize = 7;
/// The longest frame (header included) the 13-bit ADTS length can express.
const ADTS_MAX_FRAME: usize = 0x1fff;

/// The fields of an AudioSpecificConfig a remuxer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpecificConfig {
    /// The core audio object type (2 = AAC LC), after any explicit SBR/PS signalling.
    pub object_type: u8,
    /// Index into the standard frequency table, or 15 when explicit.
    pub sampling_frequency_index: u8,
    /// The core sampling frequency in Hz.
    pub sampling_frequency: u32,
    pub channel_configuration: u8,
    /// SBR or PS was signalled explicitly (HE-AAC).
    pub sbr: bool,
}

impl AudioSpecificConfig {
    /// Parses the config (the payload of an AAC sequence header frame).
    pub fn parse(data: &[u8]) -> Result<AudioSpecificConfig, MediaError> {
        let mut bits = BitReader { data, pos: 0 };
        let mut object_type = bits.object_type()?;
        let (sampling_frequency_index, sampling_frequency) = bits.frequency()?;
        let channel_configuration = bits.read(4)? as u8;
        let sbr = matches!(object_type, SBR | PS);
        if sbr {
            bits.frequency()?;
            object_type = bits.object_type()?;
        }
        Ok(AudioSpecificConfig {
            object_type,
            sampling_frequency_index,
            sampling_frequency,
            channel_configuration,
            sbr,
        })
    }

    /// The ADTS header (no CRC) for one raw AAC frame of `payload_len` bytes.
    pub fn adts_header(&self, payload_len: usize) -> Result<[u8; ADTS_HEADER_LEN], MediaError> {
        let supported = (1..=4).contains(&self.object_type)
            && usize::from(self.sampling_frequency_index) < FREQUENCIES.len()
            && (1..=7).contains(&self.channel_configuration);
        if !supported {
            return Err(MediaError::AdtsUnsupported {
                object_type: self.object_type,
                frequency_index: self.sampling_frequency_index,
                channels: self.channel_configuration,
            });
        }
        let frame_len = payload_len.saturating_add(ADTS_HEADER_LEN);
        if frame_len > ADTS_MAX_FRAME {
            return Err(MediaError::AdtsTooLong(payload_len));
        }
        let profile = self.object_type - 1;
        let channels = self.channel_configuration;
        // The length fits 13 bits, checked above.
        let len = frame_len as u16;
        Ok([
            0xff,
            0xf1, // MPEG-4, layer 0, no CRC
            (profile << 6) | (self.sampling_frequency_index << 2) | (channels >> 2),
            ((channels & 0x03) << 6) | (len >> 11) as u8,
            (len >> 3) as u8,
            (((len & 0x07) as u8) << 5) | 0x1f, // buffer fullness 0x7ff: variable rate
            0xfc,
        ])
    }
}

/// A most-significant-bit-first reader over a short config.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn read(&mut self, count: usize) -> Result<u32, MediaError> {
        let end = self.pos + count;
        if end > self.data.len() * 8 {
            return Err(MediaError::ConfigTruncated {
                codec: Codec::Aac,
                needed: end.div_ceil(8),
                have: self.data.len(),
            });
        }
        let mut value = 0u32;
        for bit in self.pos..end {
            let byte = self.data[bit / 8];
            value = (value << 1) | u32::from((byte >> (7 - bit % 8)) & 1);
        }
        self.pos = end;
        Ok(value)
    }

    fn object_type(&mut self) -> Result<u8, MediaError> {
        let object_type = self.read(5)? as u8;
        if object_type == 31 {
            return Ok(32 + self.read(6)? as u8);
        }
        Ok(object_type)
    }

    fn frequency(&mut self) -> Result<(u8, u32), MediaError> {
        let index = self.read(4)? as u8;
        match index {
            15 => Ok((index, self.read(24)?)),
            13 | 14 => Err(MediaError::ReservedSamplingFrequency(index)),
            _ => Ok((index, FREQUENCIES[usize::from(index)])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lc_48khz_stereo() {
        let config = AudioSpecificConfig::parse(&[0x11, 0x90]).unwrap();
        assert_eq!(
            config,
            AudioSpecificConfig {
                object_type: 2,
                sampling_frequency_index: 3,
                sampling_frequency: 48000,
                channel_configuration: 2,
                sbr: false,
            }
        );
    }

    #[test]
    fn explicit_he_aac_reports_the_core_type() {
        // SBR, 24 kHz core, stereo, extension 48 kHz, core AAC LC.
        let config = AudioSpecificConfig::parse(&[0x2b, 0x11, 0x88, 0x00]).unwrap();
        assert_eq!(config.object_type, 2);
        assert_eq!(config.sampling_frequency, 24000);
        assert_eq!(config.channel_configuration, 2);
        assert!(config.sbr);
    }

    #[test]
    fn adts_header_for_lc_48khz_stereo() {
        let config = AudioSpecificConfig::parse(&[0x11, 0x90]).unwrap();
        let header = config.adts_header(100).unwrap();
        assert_eq!(header, [0xff, 0xf1, 0x4c, 0x80, 0x0d, 0x7f, 0xfc]);
        let frame_len = (usize::from(header[3] & 3) << 11)
            | (usize::from(header[4]) << 3)
            | usize::from(header[5] >> 5);
        assert_eq!(frame_len, 107);
    }

    #[test]
    fn adts_refuses_what_it_cannot_express() {
        let config = AudioSpecificConfig::parse(&[0x11, 0x90]).unwrap();
        assert_eq!(config.adts_header(8185), Err(MediaError::AdtsTooLong(8185)));
        assert!(config.adts_header(8184).is_ok());
        let no_channels = AudioSpecificConfig {
            channel_configuration: 0,
            ..config
        };
        assert!(no_channels.adts_header(10).is_err());
    }

    #[test]
    fn reserved_frequency_and_truncation_are_errors() {
        assert_eq!(
            AudioSpecificConfig::parse(&[0x16, 0x90]),
            Err(MediaError::ReservedSamplingFrequency(13))
        );
        assert!(AudioSpecificConfig::parse(&[0x11]).is_err());
        assert!(AudioSpecificConfig::parse(&[]).is_err());
    }

    #[test]
    fn no_input_panics() {
        for a in 0..=255u8 {
            for b in [0u8, 0x80, 0xff] {
                let _ = AudioSpecificConfig::parse(&[a, b, b]);
            }
        }
    }
}
