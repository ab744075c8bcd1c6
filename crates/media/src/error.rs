use thiserror::Error;

use crate::{Codec, Track};

/// Why a tag body, a codec configuration record or a coded frame could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MediaError {
    /// The body is shorter than its header says.
    #[error("{track:?} tag truncated: need {needed} bytes, have {have}")]
    Truncated {
        track: Track,
        needed: usize,
        have: usize,
    },
    /// The body is empty.
    #[error("empty {0:?} tag")]
    Empty(Track),
    /// A decoder configuration record ends before its fields do.
    #[error("{codec:?} configuration truncated: need {needed} bytes, have {have}")]
    ConfigTruncated {
        codec: Codec,
        needed: usize,
        have: usize,
    },
    /// A decoder configuration record with a version this crate does not read.
    #[error("{codec:?} configuration version {version} is not supported")]
    ConfigVersion { codec: Codec, version: u8 },
    /// A NAL unit length field of a size other than 1, 2 or 4 bytes.
    #[error("NAL unit length size {0} is not 1, 2 or 4")]
    NalLengthSize(u8),
    /// A length-prefixed NAL unit runs past the end of its frame.
    #[error("NAL unit at offset {offset} needs {needed} bytes, {have} remain")]
    NalTruncated {
        offset: usize,
        needed: usize,
        have: usize,
    },
    /// An AudioSpecificConfig uses a reserved sampling frequency index.
    #[error("reserved AAC sampling frequency index {0}")]
    ReservedSamplingFrequency(u8),
    /// ADTS cannot describe this AAC configuration.
    #[error("ADTS cannot carry AAC object type {object_type}, frequency index {frequency_index}, channel configuration {channels}")]
    AdtsUnsupported {
        object_type: u8,
        frequency_index: u8,
        channels: u8,
    },
    /// An AAC frame too long for the 13-bit ADTS frame length.
    #[error("AAC frame of {0} bytes is too long for ADTS")]
    AdtsTooLong(usize),
}
