//! The sliding window of finished segments and the playlist that lists them.

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::Arc;

use bytes::Bytes;

use crate::HlsSnapshot;

/// One finished segment.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) seq: u64,
    pub(crate) duration_ms: u64,
    /// The segment follows a break in the timeline or in codec configuration.
    pub(crate) discontinuity: bool,
    pub(crate) data: Bytes,
}

/// Finished segments with consecutive sequence numbers, oldest first, and
/// the playlist rendered from them (rebuilt only when they change).
#[derive(Debug)]
pub(crate) struct Window {
    segments: VecDeque<Segment>,
    capacity: usize,
    /// Discontinuities that have slid out of the window.
    discontinuity_sequence: u64,
    /// The media sequence of an empty window: the next segment's number.
    next_seq: u64,
    ended: bool,
    /// EXT-X-TARGETDURATION: the configured target, raised to the ceiling
    /// of the longest segment so far and never lowered (RFC 8216 §6.2.1:
    /// it must not change; it only grows when a segment would exceed it).
    target_secs: u64,
    snapshot: Arc<HlsSnapshot>,
}

impl Window {
    pub(crate) fn new(capacity: usize, target_secs: u64) -> Window {
        let mut window = Window {
            segments: VecDeque::with_capacity(capacity.max(1) + 1),
            capacity: capacity.max(1),
            discontinuity_sequence: 0,
            next_seq: 0,
            ended: false,
            target_secs: target_secs.max(1),
            snapshot: Arc::default(),
        };
        window.render();
        window
    }

    /// Adds a segment (its `seq` must follow the previous one) and returns
    /// the sequence number of the segment pushed out, if any.
    pub(crate) fn push(&mut self, segment: Segment) -> Option<u64> {
        self.next_seq = segment.seq + 1;
        self.target_secs = self.target_secs.max(segment.duration_ms.div_ceil(1000));
        self.segments.push_back(segment);
        let removed = if self.segments.len() > self.capacity {
            self.segments.pop_front().map(|old| {
                if old.discontinuity {
                    self.discontinuity_sequence += 1;
                }
                old.seq
            })
        } else {
            None
        };
        self.render();
        removed
    }

    /// Marks the stream ended (or going again) and re-renders the playlist.
    pub(crate) fn set_ended(&mut self, ended: bool) {
        if self.ended != ended {
            self.ended = ended;
            self.render();
        }
    }

    /// A segment by sequence number, in constant time.
    pub(crate) fn get(&self, seq: u64) -> Option<&Segment> {
        let first = self.segments.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.segments.get(index)
    }

    pub(crate) fn playlist(&self) -> Bytes {
        self.snapshot.playlist()
    }

    pub(crate) fn snapshot(&self) -> Arc<HlsSnapshot> {
        Arc::clone(&self.snapshot)
    }

    pub(crate) fn len(&self) -> usize {
        self.segments.len()
    }

    fn render(&mut self) {
        let target = self.target_secs;
        let media_sequence = self.segments.front().map_or(self.next_seq, |s| s.seq);
        let mut out = String::with_capacity(128 + 40 * self.segments.len());
        out.push_str("#EXTM3U\n#EXT-X-VERSION:3\n");
        // Writing into a String cannot fail.
        let _ = writeln!(out, "#EXT-X-TARGETDURATION:{target}");
        let _ = writeln!(out, "#EXT-X-MEDIA-SEQUENCE:{media_sequence}");
        if self.discontinuity_sequence > 0 {
            let _ = writeln!(
                out,
                "#EXT-X-DISCONTINUITY-SEQUENCE:{}",
                self.discontinuity_sequence
            );
        }
        for segment in &self.segments {
            if segment.discontinuity {
                out.push_str("#EXT-X-DISCONTINUITY\n");
            }
            let (secs, ms) = (segment.duration_ms / 1000, segment.duration_ms % 1000);
            let _ = writeln!(out, "#EXTINF:{secs}.{ms:03},\n{}.ts", segment.seq);
        }
        if self.ended {
            out.push_str("#EXT-X-ENDLIST\n");
        }
        self.snapshot = Arc::new(HlsSnapshot {
            playlist: Bytes::from(out),
            first_seq: media_sequence,
            segments: self.segments.iter().map(|s| s.data.clone()).collect(),
            ended: self.ended,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(seq: u64, duration_ms: u64, discontinuity: bool) -> Segment {
        Segment {
            seq,
            duration_ms,
            discontinuity,
            data: Bytes::from(vec![seq as u8]),
        }
    }

    fn text(window: &Window) -> String {
        String::from_utf8(window.playlist().to_vec()).unwrap()
    }

    #[test]
    fn an_empty_window_announces_the_configured_target() {
        let window = Window::new(6, 2);
        assert_eq!(
            text(&window),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        );
    }

    #[test]
    fn playlist_lists_segments_with_millisecond_durations() {
        let mut window = Window::new(6, 2);
        window.push(segment(0, 2000, false));
        window.push(segment(1, 2040, false));
        window.set_ended(true);
        assert_eq!(
            text(&window),
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n\
             #EXTINF:2.000,\n0.ts\n#EXTINF:2.040,\n1.ts\n#EXT-X-ENDLIST\n"
        );
    }

    #[test]
    fn the_window_slides_and_counts_discontinuities_that_leave_it() {
        let mut window = Window::new(2, 2);
        assert_eq!(window.push(segment(0, 2000, false)), None);
        assert_eq!(window.push(segment(1, 2000, true)), None);
        assert_eq!(window.push(segment(2, 2000, false)), Some(0));
        assert!(text(&window).contains("#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-DISCONTINUITY\n#EXTINF"));
        assert_eq!(window.push(segment(3, 2000, false)), Some(1));
        let playlist = text(&window);
        assert!(playlist.contains("#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
        assert!(!playlist.contains("#EXT-X-DISCONTINUITY\n"));
        assert_eq!(window.len(), 2);
    }

    #[test]
    fn lookups_find_only_segments_in_the_window() {
        let mut window = Window::new(2, 2);
        for seq in 0..5 {
            window.push(segment(seq, 1000, false));
        }
        assert!(window.get(2).is_none());
        assert_eq!(
            window.get(3).map(|s| s.data.clone()),
            Some(Bytes::from(vec![3]))
        );
        assert!(window.get(4).is_some());
        assert!(window.get(5).is_none());
        assert!(window.get(u64::MAX).is_none());
    }

    #[test]
    fn target_duration_grows_to_the_longest_segment_and_never_shrinks() {
        let mut window = Window::new(1, 2);
        window.push(segment(0, 1500, false));
        assert!(text(&window).contains("#EXT-X-TARGETDURATION:2\n"));
        window.push(segment(1, 4001, false));
        assert!(text(&window).contains("#EXT-X-TARGETDURATION:5\n"));
        window.push(segment(2, 2000, false));
        assert!(text(&window).contains("#EXT-X-TARGETDURATION:5\n"));
    }

    #[test]
    fn the_snapshot_serves_what_the_playlist_lists() {
        let mut window = Window::new(2, 2);
        for seq in 0..4 {
            window.push(segment(seq, 2000, false));
        }
        let snapshot = window.snapshot();
        assert_eq!(snapshot.media_sequence(), 2);
        assert_eq!(snapshot.len(), 2);
        assert_eq!(snapshot.segment(3), Some(Bytes::from(vec![3])));
        assert_eq!(snapshot.segment(1), None);
        assert_eq!(snapshot.playlist(), window.playlist());
        window.push(segment(4, 2000, false));
        assert_eq!(snapshot.segment(4), None, "an old snapshot stays as it was");
    }
}
