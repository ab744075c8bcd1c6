//! Just enough MPEG-TS reading to see which stream types a segment's PMT
//! declares (0x1b H.264, 0x24 HEVC, 0x0f AAC in ADTS).

const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const TABLE_PAT: u8 = 0;
const TABLE_PMT: u8 = 2;
const CRC_LEN: usize = 4;

/// The elementary stream types of the first program in `segment`.
pub(crate) fn stream_types(segment: &[u8]) -> Vec<u8> {
    assert_eq!(segment.len() % PACKET, 0, "whole TS packets");
    let mut pmt_pid = None;
    for packet in segment.chunks_exact(PACKET) {
        assert_eq!(packet[0], SYNC, "TS sync byte");
        let pid = (u16::from(packet[1] & 0x1f) << 8) | u16::from(packet[2]);
        let Some(section) = section_start(packet) else {
            continue;
        };
        if pid == 0 {
            pmt_pid = Some(first_program_pid(section));
        } else if Some(pid) == pmt_pid {
            return pmt_stream_types(section);
        }
    }
    panic!("no PAT followed by its PMT in the segment")
}

/// The section that starts in this packet, if one does (PSI sections here
/// are small enough to fit in one packet).
fn section_start(packet: &[u8]) -> Option<&[u8]> {
    let unit_start = packet[1] & 0x40 != 0;
    let control = (packet[3] >> 4) & 0x03;
    if !unit_start || control & 0x01 == 0 {
        return None;
    }
    let mut at = 4;
    if control & 0x02 != 0 {
        at += 1 + usize::from(packet[4]);
    }
    let pointer = usize::from(*packet.get(at)?);
    packet.get(at + 1 + pointer..)
}

/// The end of a section's body, before its CRC.
fn body_end(section: &[u8]) -> usize {
    let length = (usize::from(section[1] & 0x0f) << 8) | usize::from(section[2]);
    3 + length - CRC_LEN
}

fn first_program_pid(pat: &[u8]) -> u16 {
    assert_eq!(pat[0], TABLE_PAT, "PAT table id");
    pat[8..body_end(pat)]
        .chunks_exact(4)
        .find(|entry| entry[0] != 0 || entry[1] != 0)
        .map(|entry| (u16::from(entry[2] & 0x1f) << 8) | u16::from(entry[3]))
        .expect("a program in the PAT")
}

fn pmt_stream_types(pmt: &[u8]) -> Vec<u8> {
    assert_eq!(pmt[0], TABLE_PMT, "PMT table id");
    let end = body_end(pmt);
    let program_info = (usize::from(pmt[10] & 0x0f) << 8) | usize::from(pmt[11]);
    let mut at = 12 + program_info;
    let mut types = Vec::new();
    while at + 5 <= end {
        types.push(pmt[at]);
        let es_info = (usize::from(pmt[at + 3] & 0x0f) << 8) | usize::from(pmt[at + 4]);
        at += 5 + es_info;
    }
    types
}
