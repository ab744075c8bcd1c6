use thiserror::Error;

use crate::Track;

/// Why a tag body could not be read as a frame.
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
}
