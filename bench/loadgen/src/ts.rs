//! MPEG-TS scan of a downloaded segment: packet sync, video PES count and
//! the newest video decode time (DTS, else PTS), in milliseconds.

const PACKET: usize = 188;

#[derive(Debug)]
pub struct TsScanner {
    carry: [u8; PACKET],
    carry_len: usize,
    pub video_frames: u32,
    pub newest_video_ms: Option<i64>,
    pub lost_sync: bool,
}

impl Default for TsScanner {
    fn default() -> Self {
        TsScanner::new()
    }
}

impl TsScanner {
    pub fn new() -> TsScanner {
        TsScanner {
            carry: [0; PACKET],
            carry_len: 0,
            video_frames: 0,
            newest_video_ms: None,
            lost_sync: false,
        }
    }

    pub fn feed(&mut self, mut data: &[u8]) {
        if self.carry_len > 0 {
            let n = (PACKET - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + n].copy_from_slice(&data[..n]);
            self.carry_len += n;
            data = &data[n..];
            if self.carry_len < PACKET {
                return;
            }
            let packet = self.carry;
            self.packet(&packet);
            self.carry_len = 0;
        }
        let mut packets = data.chunks_exact(PACKET);
        for p in &mut packets {
            self.packet(p);
        }
        let rest = packets.remainder();
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carry_len = rest.len();
    }

    fn packet(&mut self, p: &[u8]) {
        if p[0] != 0x47 {
            self.lost_sync = true;
            return;
        }
        let unit_start = p[1] & 0x40 != 0;
        let control = (p[3] >> 4) & 0x03;
        if !unit_start || control & 0x01 == 0 {
            return;
        }
        let start = if control & 0x02 != 0 { 5 + usize::from(p[4]) } else { 4 };
        let Some(pes) = p.get(start..) else { return };
        // PES start code, a video stream id, and room for PTS and DTS.
        if pes.len() < 19 || pes[..3] != [0, 0, 1] || !(0xe0..=0xef).contains(&pes[3]) {
            return;
        }
        self.video_frames += 1;
        let stamp = match pes[7] >> 6 {
            3 => read_timestamp(&pes[14..19]),
            2 => read_timestamp(&pes[9..14]),
            _ => return,
        };
        let ms = (stamp / 90) as i64;
        self.newest_video_ms = Some(self.newest_video_ms.map_or(ms, |m| m.max(ms)));
    }
}

/// A 33-bit PES timestamp spread over 5 bytes with marker bits.
fn read_timestamp(b: &[u8]) -> u64 {
    (u64::from(b[0] >> 1) & 0x07) << 30
        | u64::from(b[1]) << 22
        | u64::from(b[2] >> 1) << 15
        | u64::from(b[3]) << 7
        | u64::from(b[4] >> 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_timestamp(prefix: u8, t: u64) -> [u8; 5] {
        [
            prefix << 4 | ((t >> 29) as u8 & 0x0e) | 1,
            (t >> 22) as u8,
            ((t >> 14) as u8 & 0xfe) | 1,
            (t >> 7) as u8,
            ((t << 1) as u8 & 0xfe) | 1,
        ]
    }

    fn video_packet(pts: u64, dts: u64) -> Vec<u8> {
        let mut p = vec![0x47, 0x41, 0x00, 0x10];
        p.extend_from_slice(&[0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10]);
        p.extend_from_slice(&write_timestamp(3, pts));
        p.extend_from_slice(&write_timestamp(1, dts));
        p.resize(PACKET, 0xff);
        p
    }

    #[test]
    fn newest_video_decode_time_is_found_across_splits() {
        let mut seg = Vec::new();
        seg.extend(video_packet(90 * 1040, 90 * 1000));
        seg.extend(video_packet(90 * 2040, 90 * 2000));
        seg.extend(vec![0x47, 0x01, 0x00, 0x10].into_iter().chain(std::iter::repeat(0).take(184)));
        for step in [1, 100, 188, 200, seg.len()] {
            let mut s = TsScanner::new();
            seg.chunks(step).for_each(|c| s.feed(c));
            assert_eq!((s.video_frames, s.newest_video_ms, s.lost_sync), (2, Some(2000), false), "step {step}");
        }
    }
}
