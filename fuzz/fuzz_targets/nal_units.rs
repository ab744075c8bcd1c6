//! A publisher's coded H.264/H.265 frame payload into `NalUnits` and
//! `length_prefixed_to_annexb`. The first input byte is the NAL length size
//! (as the config record would give it), the rest is the payload.
//!
//! Properties: sizes other than 1, 2 and 4 are refused up front; the units
//! are non-empty, in order, and with their length fields never cover more
//! than the payload; an error comes at most once, last, and says how many
//! bytes remained; the units written again with the same length size read
//! back the same; and the Annex B conversion either appends exactly a start
//! code before each unit or, on error, appends nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use media::nal::START_CODE;
use media::{length_prefixed_to_annexb, MediaError, NalUnits};

/// Reads every unit; the error, if any, with the bytes the units covered.
fn read_all(payload: &[u8], length_size: u8) -> (Vec<&[u8]>, Option<MediaError>) {
    let mut units = Vec::new();
    let mut error = None;
    let mut iter = NalUnits::new(payload, length_size).expect("a valid length size");
    for item in iter.by_ref() {
        assert!(error.is_none(), "an item after an error");
        match item {
            Ok(unit) => units.push(unit),
            Err(e) => error = Some(e),
        }
    }
    assert!(iter.next().is_none(), "the iterator resumed after its end");
    (units, error)
}

fn rewrite(units: &[&[u8]], length_size: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for unit in units {
        let len = (unit.len() as u64).to_be_bytes();
        out.extend_from_slice(&len[8 - usize::from(length_size)..]);
        out.extend_from_slice(unit);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&length_size, payload)) = data.split_first() else {
        return;
    };
    if !matches!(length_size, 1 | 2 | 4) {
        assert_eq!(
            NalUnits::new(payload, length_size).err(),
            Some(MediaError::NalLengthSize(length_size))
        );
        return;
    }
    let (units, error) = read_all(payload, length_size);
    let mut covered = 0;
    let mut last_end = 0;
    for unit in &units {
        assert!(!unit.is_empty());
        let at = unit.as_ptr() as usize - payload.as_ptr() as usize;
        assert!(at >= last_end + usize::from(length_size));
        last_end = at + unit.len();
        covered += usize::from(length_size) + unit.len();
    }
    assert!(last_end <= payload.len() && covered <= payload.len());
    if let Some(error) = &error {
        let MediaError::NalTruncated {
            offset,
            needed,
            have,
        } = *error
        else {
            panic!("unexpected error {error:?}");
        };
        assert_eq!(offset + have, payload.len());
        assert!(needed > have && offset >= last_end);
    }

    let again = rewrite(&units, length_size);
    assert_eq!(read_all(&again, length_size), (units.clone(), None));

    let mut out = vec![0xaa];
    let converted = length_prefixed_to_annexb(payload, length_size, &mut out);
    assert_eq!(converted.err(), error);
    let mut expected = vec![0xaa];
    if error.is_none() {
        for unit in &units {
            expected.extend_from_slice(&START_CODE);
            expected.extend_from_slice(unit);
        }
    }
    assert_eq!(out, expected);
});
