use media::MediaError;
use thiserror::Error;

/// Why FLV bytes could not be read or written.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FlvError {
    /// The stream does not start with `FLV`.
    #[error("not an FLV stream: signature {0:02x?}")]
    Signature([u8; 3]),
    /// An FLV version other than 1.
    #[error("FLV version {0} is not supported")]
    Version(u8),
    /// A header whose data offset is shorter than the header or implausibly long.
    #[error("FLV header data offset {0} is out of range")]
    DataOffset(u32),
    /// A tag type other than audio (8), video (9) or script data (18).
    #[error("unknown FLV tag type {0:#04x}")]
    TagType(u8),
    /// A tag with the filter bit set (encrypted content).
    #[error("encrypted FLV tags are not supported")]
    Encrypted,
    /// A tag body larger than the demuxer's limit or the 24-bit size field.
    #[error("FLV tag body of {size} bytes exceeds the limit of {limit}")]
    TagTooLarge { size: usize, limit: usize },
    /// The tag was read but its body is not a valid frame; the stream can go on.
    #[error(transparent)]
    Media(#[from] MediaError),
}
