//! Frames in, segments and playlists out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use media::{Frame, FrameKind, Track};
use ts::{ConfigUpdate, TsMuxer};

use crate::config::BACKWARD_TOLERANCE_MS;
use crate::window::{Segment, Window};
use crate::{HlsConfig, HlsError, HlsSnapshot};

/// What happened since the last [`Segmenter::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HlsEvent {
    /// Segment `seq` is finished, retrievable and listed in the playlist.
    SegmentReady { seq: u64, duration: Duration },
    /// Segment `seq` slid out of the window and is no longer kept.
    SegmentRemoved { seq: u64 },
    /// The stream ended: the playlist now carries EXT-X-ENDLIST.
    Ended,
}

/// The segment being written.
#[derive(Debug)]
struct OpenSegment {
    start_dts: i64,
    /// Where the segment ends if it is closed without a next keyframe: the
    /// last primary-track frame plus one frame interval.
    end_dts: i64,
    discontinuity: bool,
    frames: usize,
    data: BytesMut,
}

/// Cuts a stream of frames into MPEG-TS segments and keeps a sliding window
/// of them with their playlist.
///
/// Drive loop: [`Segmenter::handle_frame`] for every frame in decode order,
/// [`Segmenter::finish`] when the publisher leaves, and after each call
/// drain [`Segmenter::poll_event`] until it returns `None`. Readers call
/// [`Segmenter::playlist`] and [`Segmenter::segment`]; both hand out shared
/// `Bytes` without copying or rendering. Time comes only from the frames'
/// timestamps.
#[derive(Debug)]
pub struct Segmenter {
    config: HlsConfig,
    muxer: TsMuxer,
    window: Window,
    open: Option<OpenSegment>,
    next_seq: u64,
    /// The next segment starts with a discontinuity.
    discontinuity_pending: bool,
    /// Cut at the next start point whatever the duration.
    cut_pending: bool,
    /// Last decode time per track (audio, video), for jump detection.
    last_dts: [Option<i64>; 2],
    /// The last decode time and frame interval of the primary track.
    last_primary_dts: Option<i64>,
    frame_interval: i64,
    ended: bool,
    events: VecDeque<HlsEvent>,
    /// Capacity of the last segment, to size the next one's buffer.
    last_size: usize,
}

impl Segmenter {
    pub fn new(config: HlsConfig) -> Segmenter {
        let min_target = config.target_duration.as_millis().div_ceil(1000);
        let window = Window::new(config.window, u64::try_from(min_target).unwrap_or(u64::MAX));
        Segmenter {
            config,
            muxer: TsMuxer::new(),
            window,
            open: None,
            next_seq: 0,
            discontinuity_pending: false,
            cut_pending: false,
            last_dts: [None; 2],
            last_primary_dts: None,
            frame_interval: 0,
            ended: false,
            events: VecDeque::new(),
            last_size: 0,
        }
    }

    /// Takes one frame. Config frames update codec state (a change cuts the
    /// segment at the next keyframe, with a discontinuity); coded frames of
    /// configured tracks are muxed; script and other frames are ignored. An
    /// error drops the frame and leaves the segmenter usable.
    pub fn handle_frame(&mut self, frame: &Frame) -> Result<(), HlsError> {
        match frame.kind {
            FrameKind::Config => return self.handle_config(frame),
            FrameKind::Coded if self.muxer.can_mux(frame) => {}
            _ => return Ok(()),
        }
        let jumped = self.note_timestamp(frame);
        if !self.prepare_segment(frame, jumped) {
            return Ok(());
        }
        self.write(frame)
    }

    /// Ends the stream: the open segment is closed and the playlist gets
    /// EXT-X-ENDLIST. Frames that arrive later start a new segment after a
    /// discontinuity, and the playlist loses EXT-X-ENDLIST when it opens.
    pub fn finish(&mut self) {
        if self.ended {
            return;
        }
        self.close_at_end();
        self.ended = true;
        self.window.set_ended(true);
        self.push_event(HlsEvent::Ended);
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<HlsEvent> {
        self.events.pop_front()
    }

    /// The current playlist (rendered when a segment closes, shared here).
    pub fn playlist(&self) -> Bytes {
        self.window.playlist()
    }

    /// The playlist and its segments as one shareable value, replaced (not
    /// changed) whenever a segment closes or the stream ends: hand it to
    /// HTTP readers so they never wait on the segmenter.
    pub fn snapshot(&self) -> Arc<HlsSnapshot> {
        self.window.snapshot()
    }

    /// Segment `seq` if it is still in the window.
    pub fn segment(&self, seq: u64) -> Option<Bytes> {
        self.window.get(seq).map(|s| s.data.clone())
    }

    /// How many finished segments the window holds.
    pub fn segment_count(&self) -> usize {
        self.window.len()
    }

    /// Whether [`Segmenter::finish`] was called and no segment started since.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    fn handle_config(&mut self, frame: &Frame) -> Result<(), HlsError> {
        let update = self.muxer.handle_config(frame)?;
        if matches!(update, ConfigUpdate::Added | ConfigUpdate::Changed) && self.open.is_some() {
            self.cut_pending = true;
            self.discontinuity_pending = true;
        }
        Ok(())
    }

    /// Records the frame's decode time; true when it jumped away from the
    /// previous frame of its track.
    fn note_timestamp(&mut self, frame: &Frame) -> bool {
        let slot = &mut self.last_dts[usize::from(frame.track == Track::Video)];
        let jumped = slot.is_some_and(|last| {
            let step = frame.dts.saturating_sub(last);
            step > self.config.jump_ms() || step < -BACKWARD_TOLERANCE_MS
        });
        *slot = Some(frame.dts);
        jumped
    }

    /// Where a segment may start: a video keyframe, or any audio frame of a
    /// stream without video.
    fn is_start_point(&self, frame: &Frame) -> bool {
        if self.muxer.program().video.is_some() {
            frame.is_video_keyframe()
        } else {
            frame.track == Track::Audio
        }
    }

    /// Closes and opens segments as `frame` requires; false when the frame
    /// is to be dropped (no segment open and the frame cannot start one).
    ///
    /// At a start point the segment is cut once it is long enough, too big,
    /// or a config change asked for it. A timeline jump or an oversized
    /// segment elsewhere closes the segment at once; frames are then dropped
    /// until the next start point, which opens a segment with a
    /// discontinuity.
    fn prepare_segment(&mut self, frame: &Frame, jumped: bool) -> bool {
        let start_point = self.is_start_point(frame);
        if let Some(open) = &self.open {
            let elapsed = frame.dts.saturating_sub(open.start_dts);
            let oversized = open.data.len() >= self.config.max_segment_bytes;
            let due = self.cut_pending || oversized || elapsed >= self.config.target_ms();
            if jumped || (oversized && !start_point) {
                self.close_at_end();
                self.discontinuity_pending = true;
            } else if start_point && due {
                self.close(frame.dts);
            }
        }
        if self.open.is_none() {
            if !start_point {
                return false;
            }
            self.open_segment(frame.dts);
        }
        true
    }

    fn open_segment(&mut self, start_dts: i64) {
        if self.ended {
            // The stream goes on after finish (a publisher came back).
            self.ended = false;
            self.discontinuity_pending = true;
            self.window.set_ended(false);
        }
        let mut data = BytesMut::with_capacity(self.last_size);
        self.muxer.write_tables(&mut data);
        self.open = Some(OpenSegment {
            start_dts,
            end_dts: start_dts,
            discontinuity: std::mem::take(&mut self.discontinuity_pending),
            frames: 0,
            data,
        });
        self.cut_pending = false;
    }

    fn write(&mut self, frame: &Frame) -> Result<(), HlsError> {
        let primary = self.is_primary(frame);
        let Some(open) = &mut self.open else {
            return Ok(());
        };
        if let Err(err) = self.muxer.write_frame(frame, &mut open.data) {
            if open.frames == 0 {
                // A segment must start with a frame; wait for the next start point.
                self.discontinuity_pending |= open.discontinuity;
                self.open = None;
            }
            return Err(err.into());
        }
        open.frames += 1;
        if primary {
            if let Some(last) = self.last_primary_dts {
                let step = frame.dts.saturating_sub(last);
                if step > 0 && step <= self.config.jump_ms() {
                    self.frame_interval = step;
                }
            }
            self.last_primary_dts = Some(frame.dts);
            open.end_dts = open
                .end_dts
                .max(frame.dts.saturating_add(self.frame_interval));
        }
        Ok(())
    }

    /// Video frames when there is video, else audio frames: the track whose
    /// timestamps measure segment durations.
    fn is_primary(&self, frame: &Frame) -> bool {
        let video = self.muxer.program().video.is_some();
        (frame.track == Track::Video) == video
    }

    /// Closes the open segment where the next one starts.
    fn close(&mut self, next_start: i64) {
        if let Some(open) = self.open.take() {
            let duration = next_start.saturating_sub(open.start_dts);
            self.publish(open, duration);
        }
    }

    /// Closes the open segment at its last frame plus one frame interval.
    fn close_at_end(&mut self) {
        if let Some(open) = self.open.take() {
            let duration = open.end_dts.saturating_sub(open.start_dts);
            self.publish(open, duration);
        }
    }

    fn publish(&mut self, open: OpenSegment, duration_ms: i64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.last_size = open.data.len();
        let duration_ms = u64::try_from(duration_ms).unwrap_or(0);
        let removed = self.window.push(Segment {
            seq,
            duration_ms,
            discontinuity: open.discontinuity,
            data: open.data.freeze(),
        });
        self.push_event(HlsEvent::SegmentReady {
            seq,
            duration: Duration::from_millis(duration_ms),
        });
        if let Some(seq) = removed {
            self.push_event(HlsEvent::SegmentRemoved { seq });
        }
    }

    /// Queues an event; a caller that never drains loses the oldest ones
    /// rather than growing memory.
    fn push_event(&mut self, event: HlsEvent) {
        let limit = 4 * self.config.window.max(1) + 16;
        if self.events.len() >= limit {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }
}

#[cfg(test)]
#[path = "segmenter_tests.rs"]
mod tests;
