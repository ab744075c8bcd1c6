use thiserror::Error;
use ts::TsError;

/// Why a frame was dropped by the segmenter. The segmenter stays usable.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HlsError {
    /// The frame or its codec configuration could not be muxed.
    #[error(transparent)]
    Ts(#[from] TsError),
}
