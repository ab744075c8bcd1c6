//! Program-specific information: the PAT and PMT sections.

use crate::{Program, PMT_PID};

const PROGRAM_NUMBER: u16 = 1;
const TRANSPORT_STREAM_ID: u16 = 1;
const TABLE_PAT: u8 = 0x00;
const TABLE_PMT: u8 = 0x02;

/// The PAT: one program, its PMT on [`PMT_PID`].
pub(crate) fn pat() -> Vec<u8> {
    let mut body = Vec::with_capacity(4);
    body.extend_from_slice(&PROGRAM_NUMBER.to_be_bytes());
    body.extend_from_slice(&(0xe000 | PMT_PID).to_be_bytes());
    section(TABLE_PAT, TRANSPORT_STREAM_ID, 0, &body)
}

/// The PMT of `program`, listing only the streams it has.
pub(crate) fn pmt(program: &Program, version: u8) -> Vec<u8> {
    let mut body = Vec::with_capacity(14);
    body.extend_from_slice(&(0xe000 | program.pcr_pid()).to_be_bytes());
    body.extend_from_slice(&[0xf0, 0x00]); // no program descriptors
    for (stream_type, pid) in program.streams() {
        body.push(stream_type as u8);
        body.extend_from_slice(&(0xe000 | pid).to_be_bytes());
        body.extend_from_slice(&[0xf0, 0x00]); // no ES descriptors
    }
    section(TABLE_PMT, PROGRAM_NUMBER, version, &body)
}

/// A long-form section: header, `body`, CRC.
fn section(table_id: u8, id: u16, version: u8, body: &[u8]) -> Vec<u8> {
    // After the length field: id (2), version (1), section numbers (2), body, CRC (4).
    let length = (5 + body.len() + 4) as u16;
    let mut out = Vec::with_capacity(3 + usize::from(length));
    out.push(table_id);
    out.extend_from_slice(&(0xb000 | length).to_be_bytes());
    out.extend_from_slice(&id.to_be_bytes());
    out.push(0xc1 | ((version & 0x1f) << 1));
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(body);
    let crc = crc32_mpeg2(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// CRC-32/MPEG-2: polynomial 0x04c11db7, initial value all ones, no
/// reflection, no final xor.
pub(crate) fn crc32_mpeg2(data: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in data {
        crc ^= u32::from(*byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StreamType, AUDIO_PID, VIDEO_PID};

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32_mpeg2(b"123456789"), 0x0376_e6e7);
    }

    #[test]
    fn pat_points_at_the_pmt() {
        let pat = pat();
        assert_eq!(
            &pat[..12],
            &[0, 0xb0, 13, 0, 1, 0xc1, 0, 0, 0, 1, 0xf0, 0x00]
        );
        assert_eq!(crc32_mpeg2(&pat), 0, "CRC over section and CRC is zero");
    }

    #[test]
    fn pmt_lists_only_present_streams_with_pcr_on_video() {
        let program = Program {
            video: Some(StreamType::H265),
            audio: Some(StreamType::AdtsAac),
        };
        let pmt = pmt(&program, 3);
        assert_eq!(pmt.len(), 3 + 9 + 10 + 4);
        assert_eq!(pmt[5], 0xc1 | (3 << 1));
        assert_eq!(u16::from_be_bytes([pmt[8], pmt[9]]) & 0x1fff, VIDEO_PID);
        assert_eq!(pmt[12], 0x24);
        assert_eq!(pmt[17], 0x0f);
        assert_eq!(crc32_mpeg2(&pmt), 0);
    }

    #[test]
    fn audio_only_pmt_carries_pcr_on_audio() {
        let program = Program {
            video: None,
            audio: Some(StreamType::AdtsAac),
        };
        let pmt = pmt(&program, 0);
        assert_eq!(pmt.len(), 3 + 9 + 5 + 4);
        assert_eq!(u16::from_be_bytes([pmt[8], pmt[9]]) & 0x1fff, AUDIO_PID);
    }
}
