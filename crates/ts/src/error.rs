use media::MediaError;
use thiserror::Error;

/// Why a frame could not be muxed. The muxer writes nothing for such a frame
/// and stays usable.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TsError {
    /// A configuration record or a coded frame that does not parse.
    #[error(transparent)]
    Media(#[from] MediaError),
}
