//! Length-prefixed NAL units (as in FLV, RTMP and MP4) and Annex B byte streams.

use crate::MediaError;

/// The four-byte Annex B start code written before every NAL unit.
pub const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// Iterates the NAL units of a length-prefixed frame payload.
///
/// Each item is one NAL unit without its length field. A length that runs
/// past the end of the payload yields one error and ends the iteration; zero
/// length units are skipped.
#[derive(Debug, Clone)]
pub struct NalUnits<'a> {
    data: &'a [u8],
    offset: usize,
    length_size: usize,
}

impl<'a> NalUnits<'a> {
    /// NAL units of `data`, each preceded by a big-endian length of
    /// `length_size` bytes (1, 2 or 4).
    pub fn new(data: &'a [u8], length_size: u8) -> Result<NalUnits<'a>, MediaError> {
        if !matches!(length_size, 1 | 2 | 4) {
            return Err(MediaError::NalLengthSize(length_size));
        }
        Ok(NalUnits {
            data,
            offset: 0,
            length_size: usize::from(length_size),
        })
    }

    fn fail(&mut self, needed: usize) -> Option<Result<&'a [u8], MediaError>> {
        let err = MediaError::NalTruncated {
            offset: self.offset,
            needed,
            have: self.data.len() - self.offset,
        };
        self.offset = self.data.len();
        Some(Err(err))
    }
}

impl<'a> Iterator for NalUnits<'a> {
    type Item = Result<&'a [u8], MediaError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = &self.data[self.offset..];
            if rest.is_empty() {
                return None;
            }
            let Some(len_bytes) = rest.get(..self.length_size) else {
                return self.fail(self.length_size);
            };
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            let needed = self.length_size.saturating_add(len);
            let Some(unit) = rest.get(self.length_size..needed) else {
                return self.fail(needed);
            };
            self.offset += needed;
            if !unit.is_empty() {
                return Some(Ok(unit));
            }
        }
    }
}

/// Appends `unit` to `out` as one Annex B NAL unit (start code + unit).
pub fn write_annexb(unit: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&START_CODE);
    out.extend_from_slice(unit);
}

/// Appends the NAL units of a length-prefixed payload to `out` in Annex B.
///
/// On error nothing is appended: the payload is checked before it is copied.
pub fn length_prefixed_to_annexb(
    data: &[u8],
    length_size: u8,
    out: &mut Vec<u8>,
) -> Result<(), MediaError> {
    let units = NalUnits::new(data, length_size)?;
    units.clone().try_for_each(|unit| unit.map(drop))?;
    for unit in units.flatten() {
        write_annexb(unit, out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_byte_lengths_become_start_codes() {
        let data = [0, 0, 0, 2, 0x65, 0xaa, 0, 0, 0, 1, 0x41];
        let mut out = Vec::new();
        length_prefixed_to_annexb(&data, 4, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 0xaa, 0, 0, 0, 1, 0x41]);
    }

    #[test]
    fn two_byte_lengths_and_empty_units() {
        let units: Vec<_> = NalUnits::new(&[0, 0, 0, 1, 9], 2).unwrap().collect();
        assert_eq!(units, vec![Ok(&[9u8][..])]);
    }

    #[test]
    fn a_length_past_the_end_is_an_error_and_writes_nothing() {
        let data = [0, 0, 0, 1, 0x65, 0, 0, 0, 9, 1];
        let mut out = Vec::new();
        assert_eq!(
            length_prefixed_to_annexb(&data, 4, &mut out),
            Err(MediaError::NalTruncated {
                offset: 5,
                needed: 13,
                have: 5
            })
        );
        assert!(out.is_empty());
    }

    #[test]
    fn a_partial_length_field_is_an_error() {
        let mut units = NalUnits::new(&[0, 0], 4).unwrap();
        assert!(matches!(units.next(), Some(Err(_))));
        assert_eq!(units.next(), None);
    }

    #[test]
    fn length_size_three_is_refused() {
        assert_eq!(
            NalUnits::new(&[], 3).err(),
            Some(MediaError::NalLengthSize(3))
        );
    }

    #[test]
    fn huge_lengths_do_not_overflow() {
        let data = [0xff, 0xff, 0xff, 0xff, 1];
        let units: Vec<_> = NalUnits::new(&data, 4).unwrap().collect();
        assert_eq!(units.len(), 1);
        assert!(units[0].is_err());
    }
}
