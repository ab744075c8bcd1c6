//! What every viewer records, whatever its protocol: setup time, first
//! keyframe, media time against wall time, latency samples, bytes.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Maps `Instant`s to Unix milliseconds with one reading of the wall clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
    origin_epoch_ms: f64,
}

impl Clock {
    pub fn new() -> Clock {
        let origin = Instant::now();
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            origin,
            origin_epoch_ms: epoch.as_secs_f64() * 1000.0,
        }
    }

    pub fn epoch_ms(&self, at: Instant) -> f64 {
        self.origin_epoch_ms + at.saturating_duration_since(self.origin).as_secs_f64() * 1000.0
    }

    pub fn secs(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64()
    }
}

/// Live counters for the progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub started: AtomicU64,
    pub setup: AtomicU64,
    pub keyframe: AtomicU64,
    pub failed: AtomicU64,
    pub bytes: AtomicU64,
}

impl Progress {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Settings shared by all viewers of one run.
#[derive(Debug)]
pub struct Plan {
    pub clock: Clock,
    pub hold_start: Instant,
    pub hold_end: Instant,
    /// Wall clock (Unix ms) of media time 0, when latency is measured.
    pub t0_ms: Option<f64>,
    pub stall: Duration,
    pub connect_timeout: Duration,
    pub bufsize: usize,
    pub rcvlowat: usize,
    pub rcvbuf: usize,
    pub hls_pts_offset_ms: f64,
    pub hls_start_back: usize,
    /// Probe mode: keep playing this long after the first keyframe.
    pub after_first_keyframe: Option<Duration>,
    pub progress: Arc<Progress>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// TCP connect failed.
    Connect,
    /// Connect plus session setup took longer than --connect-timeout.
    Timeout,
    /// An HTTP status other than 200.
    HttpStatus,
    /// Bytes or messages the client cannot accept, RTMP error status.
    Protocol,
    /// The server ended the stream or closed the connection.
    Closed,
    /// A socket error such as a reset.
    Io,
    /// No bytes for --stall-timeout.
    Stall,
    /// Data flowed but no complete video keyframe (HLS: segment) arrived.
    NoKeyframe,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::HttpStatus,
        ErrorKind::Protocol,
        ErrorKind::Closed,
        ErrorKind::Io,
        ErrorKind::Stall,
        ErrorKind::NoKeyframe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Closed => "closed",
            ErrorKind::Io => "io",
            ErrorKind::Stall => "stall",
            ErrorKind::NoKeyframe => "no_keyframe",
        }
    }
}

#[derive(Debug)]
pub struct ViewerError {
    pub kind: ErrorKind,
    pub detail: String,
}

impl ViewerError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> ViewerError {
        ViewerError {
            kind,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ViewerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

/// The outcome of one viewer, folded into the summary.
#[derive(Debug, Default)]
pub struct ViewerReport {
    pub setup_ms: Option<f64>,
    pub ttfk_ms: Option<f64>,
    pub error: Option<ViewerError>,
    /// Seconds after joining at which the error happened.
    pub error_after_s: f64,
    pub bytes_in_hold: u64,
    pub secs_in_hold: f64,
    pub e2e_ms: Vec<f32>,
    /// Wall time minus media time since the first keyframe, at the end.
    pub lag_ms: Option<f64>,
    pub bias_ms: Option<f64>,
    pub first_keyframe_ts_ms: Option<i64>,
    pub keyframes: u64,
    pub soft_errors: u32,
    pub skipped_segments: u32,
}

/// Per-viewer accounting, driven by the protocol loops.
#[derive(Debug)]
pub struct Viewer {
    pub plan: Arc<Plan>,
    pub joined: Instant,
    /// When reading stops: the end of the hold window, earlier in probe mode.
    pub deadline: Instant,
    report: ViewerReport,
    first_keyframe: Option<(Instant, i64)>,
    last_media_ms: Option<i64>,
    last_media_at: Option<Instant>,
}

impl Viewer {
    pub fn new(plan: Arc<Plan>) -> Viewer {
        let now = Instant::now();
        Progress::bump(&plan.progress.started);
        Viewer {
            deadline: plan.hold_end,
            plan,
            joined: now,
            report: ViewerReport::default(),
            first_keyframe: None,
            last_media_ms: None,
            last_media_at: None,
        }
    }

    pub fn setup_deadline(&self) -> Instant {
        (self.joined + self.plan.connect_timeout).min(self.deadline)
    }

    pub fn is_set_up(&self) -> bool {
        self.report.setup_ms.is_some()
    }

    pub fn has_keyframe(&self) -> bool {
        self.first_keyframe.is_some()
    }

    pub fn handle_setup(&mut self, now: Instant) {
        if self.report.setup_ms.is_none() {
            self.report.setup_ms = Some(ms_between(self.joined, now));
            Progress::bump(&self.plan.progress.setup);
        }
    }

    pub fn handle_bytes(&mut self, n: usize, now: Instant) {
        self.plan.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if now >= self.plan.hold_start && now <= self.plan.hold_end {
            self.report.bytes_in_hold += n as u64;
        }
    }

    /// A complete audio or video frame (HLS: a segment) with media time `ts_ms`.
    pub fn handle_media(&mut self, ts_ms: i64, now: Instant) {
        self.last_media_ms = Some(self.last_media_ms.map_or(ts_ms, |m| m.max(ts_ms)));
        self.last_media_at = Some(now);
        if self.first_keyframe.is_none() || self.plan.after_first_keyframe.is_none() {
            return;
        }
        if let Some(t0) = self.plan.t0_ms {
            let offset = self.plan.clock.epoch_ms(now) - t0 - ts_ms as f64;
            let bias = self.report.bias_ms.map_or(offset, |b| b.min(offset));
            self.report.bias_ms = Some(bias);
        }
    }

    /// A complete video keyframe (HLS: a downloaded segment whose newest
    /// video frame has media time `ts_ms`).
    pub fn handle_keyframe(&mut self, ts_ms: i64, now: Instant) {
        self.handle_keyframe_with(ts_ms, now, true);
    }

    /// As `handle_keyframe`; `live` false marks media that is old by design
    /// (HLS segments fetched to catch up at start), left out of latency.
    pub fn handle_keyframe_with(&mut self, ts_ms: i64, now: Instant, live: bool) {
        self.report.keyframes += 1;
        if self.first_keyframe.is_none() {
            self.first_keyframe = Some((now, ts_ms));
            self.report.ttfk_ms = Some(ms_between(self.joined, now));
            self.report.first_keyframe_ts_ms = Some(ts_ms);
            Progress::bump(&self.plan.progress.keyframe);
            if let Some(extra) = self.plan.after_first_keyframe {
                self.deadline = self.deadline.min(now + extra);
            }
        } else if let Some(t0) = self.plan.t0_ms.filter(|_| live) {
            // The first keyframe may come from a GOP cache and be old by
            // design; later ones show how far behind live the viewer is.
            let e2e = self.plan.clock.epoch_ms(now) - (t0 + ts_ms as f64);
            self.report.e2e_ms.push(e2e as f32);
        }
        self.handle_media(ts_ms, now);
    }

    pub fn handle_soft_error(&mut self) {
        self.report.soft_errors += 1;
    }

    pub fn handle_skipped_segments(&mut self, n: u32) {
        self.report.skipped_segments += n;
    }

    pub fn finish(mut self, outcome: Result<(), ViewerError>) -> ViewerReport {
        let now = Instant::now();
        let end = now.min(self.plan.hold_end);
        let start = self.joined.max(self.plan.hold_start);
        self.report.secs_in_hold = end.saturating_duration_since(start).as_secs_f64();
        let outcome = match outcome {
            Ok(()) if self.first_keyframe.is_none() => Err(ViewerError::new(
                ErrorKind::NoKeyframe,
                "no complete video keyframe",
            )),
            other => other,
        };
        if let Err(e) = outcome {
            self.report.error_after_s = ms_between(self.joined, now) / 1000.0;
            self.report.error = Some(e);
            Progress::bump(&self.plan.progress.failed);
        }
        if let (Some((at, first_ms)), Some(last_ms), Some(last_at)) =
            (self.first_keyframe, self.last_media_ms, self.last_media_at)
        {
            // Media time the viewer got against the wall time it waited;
            // the reference point for "now" is the end of reading.
            let wall = ms_between(at, end.max(last_at));
            self.report.lag_ms = Some(wall - (last_ms - first_ms) as f64);
        }
        self.report
    }
}

pub fn ms_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}
