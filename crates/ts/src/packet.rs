//! 188-byte transport packets: headers, adaptation fields, PCR and stuffing.

use bytes::{BufMut, BytesMut};

pub(crate) const PACKET_LEN: usize = 188;
const SYNC_BYTE: u8 = 0x47;
const HEADER_LEN: usize = 4;
const PAYLOAD_LEN: usize = PACKET_LEN - HEADER_LEN;
const PCR_LEN: usize = 6;
const FLAG_RANDOM_ACCESS: u8 = 0x40;
const FLAG_PCR: u8 = 0x10;

/// One PID and its 4-bit continuity counter.
#[derive(Debug, Clone)]
pub(crate) struct Pid {
    pub(crate) pid: u16,
    counter: u8,
}

impl Pid {
    pub(crate) fn new(pid: u16) -> Pid {
        Pid { pid, counter: 0 }
    }

    /// Writes a packet header carrying payload and returns nothing; the
    /// counter advances with every payload-carrying packet.
    fn write_header(&mut self, unit_start: bool, adaptation: bool, out: &mut BytesMut) {
        let start = if unit_start { 0x40 } else { 0 };
        let control = if adaptation { 0x30 } else { 0x10 };
        out.put_u8(SYNC_BYTE);
        out.put_u8(start | ((self.pid >> 8) as u8 & 0x1f));
        out.put_u8(self.pid as u8);
        out.put_u8(control | self.counter);
        self.counter = (self.counter + 1) & 0x0f;
    }
}

/// What the first packet of a PES packet announces.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PesStart {
    /// Program clock reference base (90 kHz, 33 bits).
    pub(crate) pcr: Option<u64>,
    pub(crate) random_access: bool,
}

impl PesStart {
    /// Bytes of the adaptation field these flags need, before stuffing.
    fn field_len(&self) -> usize {
        match (self.pcr, self.random_access) {
            (Some(_), _) => 2 + PCR_LEN,
            (None, true) => 2,
            (None, false) => 0,
        }
    }
}

/// Splits one PES packet into transport packets on `pid`; the last packet is
/// filled with adaptation-field stuffing.
pub(crate) fn write_pes(pid: &mut Pid, start: PesStart, pes: &[u8], out: &mut BytesMut) {
    let mut rest = pes;
    let mut flags = start;
    let mut unit_start = true;
    loop {
        let field_len = flags.field_len();
        let room = PAYLOAD_LEN - field_len;
        let take = rest.len().min(room);
        let stuffing = room - take;
        let adaptation = field_len + stuffing > 0;
        pid.write_header(unit_start, adaptation, out);
        if adaptation {
            write_adaptation_field(flags, stuffing, out);
        }
        out.put_slice(&rest[..take]);
        rest = &rest[take..];
        if rest.is_empty() {
            return;
        }
        flags = PesStart::default();
        unit_start = false;
    }
}

/// Writes an adaptation field of `flags.field_len() + stuffing` bytes.
fn write_adaptation_field(flags: PesStart, stuffing: usize, out: &mut BytesMut) {
    let total = flags.field_len() + stuffing;
    // total <= 184, so the length byte fits.
    out.put_u8((total - 1) as u8);
    if total == 1 {
        return;
    }
    let mut bits = 0;
    if flags.random_access {
        bits |= FLAG_RANDOM_ACCESS;
    }
    if flags.pcr.is_some() {
        bits |= FLAG_PCR;
    }
    out.put_u8(bits);
    if let Some(base) = flags.pcr {
        write_pcr(base, out);
    }
    let fill = total - flags.field_len().max(2);
    out.put_bytes(0xff, fill);
}

/// PCR base (33 bits), six reserved bits, extension 0.
fn write_pcr(base: u64, out: &mut BytesMut) {
    out.put_u8((base >> 25) as u8);
    out.put_u8((base >> 17) as u8);
    out.put_u8((base >> 9) as u8);
    out.put_u8((base >> 1) as u8);
    out.put_u8((((base & 1) as u8) << 7) | 0x7e);
    out.put_u8(0);
}

/// Writes one PSI section in a single packet (pointer field, section, 0xff fill).
pub(crate) fn write_section(pid: &mut Pid, section: &[u8], out: &mut BytesMut) {
    pid.write_header(true, false, out);
    out.put_u8(0);
    let take = section.len().min(PAYLOAD_LEN - 1);
    out.put_slice(&section[..take]);
    out.put_bytes(0xff, PAYLOAD_LEN - 1 - take);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_pes_is_one_stuffed_packet() {
        let mut out = BytesMut::new();
        write_pes(
            &mut Pid::new(0x101),
            PesStart::default(),
            &[1, 2, 3],
            &mut out,
        );
        assert_eq!(out.len(), PACKET_LEN);
        assert_eq!(&out[..4], &[0x47, 0x41, 0x01, 0x30]);
        assert_eq!(out[4], 180);
        assert_eq!(out[5], 0);
        assert!(out[6..185].iter().all(|b| *b == 0xff));
        assert_eq!(&out[185..], &[1, 2, 3]);
    }

    #[test]
    fn one_byte_of_stuffing_is_an_empty_adaptation_field() {
        let mut out = BytesMut::new();
        let pes = vec![7; PAYLOAD_LEN + PAYLOAD_LEN - 1];
        write_pes(&mut Pid::new(0x100), PesStart::default(), &pes, &mut out);
        assert_eq!(out.len(), 2 * PACKET_LEN);
        assert_eq!(out[3], 0x10);
        assert_eq!(out[PACKET_LEN + 3], 0x31);
        assert_eq!(out[PACKET_LEN + 4], 0);
        assert_eq!(out[PACKET_LEN + 5], 7);
    }

    #[test]
    fn the_first_packet_carries_pcr_and_random_access() {
        let mut out = BytesMut::new();
        let start = PesStart {
            pcr: Some((1 << 33) - 1),
            random_access: true,
        };
        write_pes(&mut Pid::new(0x100), start, &[0; 400], &mut out);
        assert_eq!(out.len(), 3 * PACKET_LEN);
        assert_eq!(&out[4..6], &[7, 0x50]);
        assert_eq!(&out[6..12], &[0xff, 0xff, 0xff, 0xff, 0xfe, 0]);
        assert_eq!(out[PACKET_LEN + 3], 0x11, "no adaptation field afterwards");
        assert!(out.chunks(PACKET_LEN).all(|p| p[0] == SYNC_BYTE));
    }

    #[test]
    fn continuity_counters_wrap_at_16() {
        let mut pid = Pid::new(0x100);
        let mut out = BytesMut::new();
        for _ in 0..17 {
            write_pes(&mut pid, PesStart::default(), &[0], &mut out);
        }
        let counters: Vec<u8> = out.chunks(PACKET_LEN).map(|p| p[3] & 0x0f).collect();
        assert_eq!(counters[15], 15);
        assert_eq!(counters[16], 0);
    }
}
