/// Turns 32-bit wrapping millisecond timestamps into a continuous timeline.
///
/// Each new value is placed at the nearest point to the previous one, so a
/// wrap past `u32::MAX` keeps counting up and a small step backwards (as some
/// encoders produce between audio and video) stays a small step backwards.
/// Nothing here can overflow or panic, whatever the input.
#[derive(Debug, Clone, Default)]
pub struct TimestampUnwrapper {
    last: Option<(u32, i64)>,
}

impl TimestampUnwrapper {
    pub fn new() -> TimestampUnwrapper {
        TimestampUnwrapper::default()
    }

    /// The continuous value of the raw 32-bit timestamp `raw`.
    pub fn unwrap(&mut self, raw: u32) -> i64 {
        let value = match self.last {
            None => i64::from(raw),
            Some((last_raw, last_value)) => {
                let delta = raw.wrapping_sub(last_raw) as i32;
                last_value.saturating_add(i64::from(delta))
            }
        };
        self.last = Some((raw, value));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_past_32_bits_keep_counting_up() {
        let mut u = TimestampUnwrapper::new();
        assert_eq!(u.unwrap(u32::MAX - 10), i64::from(u32::MAX) - 10);
        assert_eq!(u.unwrap(5), i64::from(u32::MAX) + 6);
        assert_eq!(u.unwrap(40), i64::from(u32::MAX) + 41);
    }

    #[test]
    fn small_backward_steps_are_kept() {
        let mut u = TimestampUnwrapper::new();
        u.unwrap(1000);
        assert_eq!(u.unwrap(980), 980);
        assert_eq!(u.unwrap(1020), 1020);
    }

    #[test]
    fn crossing_the_24_bit_boundary_is_ordinary() {
        let mut u = TimestampUnwrapper::new();
        assert_eq!(u.unwrap(0xff_fff0), 0xff_fff0);
        assert_eq!(u.unwrap(0x100_0010), 0x100_0010);
    }
}
