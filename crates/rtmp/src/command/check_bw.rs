use super::RawCommand;

/// `_checkbw`: a bandwidth check some encoders send; answered with an empty
/// `_result`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckBw {
    pub transaction_id: f64,
}

impl CheckBw {
    pub fn parse(raw: &RawCommand) -> CheckBw {
        CheckBw {
            transaction_id: raw.transaction_id,
        }
    }
}
