use super::RawCommand;

/// `closeStream`: stop playing or publishing on the message stream it is
/// sent on (the stream stays allocated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloseStream {
    pub transaction_id: f64,
}

impl CloseStream {
    pub fn parse(raw: &RawCommand) -> CloseStream {
        CloseStream {
            transaction_id: raw.transaction_id,
        }
    }
}
