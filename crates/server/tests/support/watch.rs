//! A viewer that keeps watching: ffmpeg decoding a live URL for as long
//! as it plays, each decoded frame noted as it arrives, so a test can ask
//! whether frames kept coming past some moment and whether the
//! connection was closed.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Peer;

/// A running viewer and the frames it decoded so far.
pub struct Watcher {
    pub peer: Peer,
    /// When each decoded video frame arrived.
    video: Arc<Mutex<Vec<Instant>>>,
}

impl Watcher {
    /// Starts decoding `url` (FLV, RTMP or HLS) for at most `seconds` of
    /// media.
    pub fn start(url: &str, seconds: u32) -> Watcher {
        let mut child = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-v", "error"])
            .args(["-rw_timeout", "20000000"])
            .args(["-i", url, "-t", &seconds.to_string()])
            .args([
                "-map",
                "0:v:0",
                "-flush_packets",
                "1",
                "-f",
                "framecrc",
                "-",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg");
        let stdout = child.stdout.take().unwrap();
        let video = Arc::new(Mutex::new(Vec::new()));
        let sink = video.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("0,") {
                    sink.lock().unwrap().push(Instant::now());
                }
            }
        });
        Watcher {
            peer: Peer(child),
            video,
        }
    }

    /// Video frames decoded so far.
    pub fn frames(&self) -> usize {
        self.video.lock().unwrap().len()
    }

    /// Video frames that arrived after `moment`.
    pub fn frames_after(&self, moment: Instant) -> usize {
        self.video
            .lock()
            .unwrap()
            .iter()
            .filter(|t| **t > moment)
            .count()
    }

    /// Waits up to `wait` until at least `n` frames arrived after
    /// `moment`; whether they did.
    pub fn wait_frames_after(&self, moment: Instant, n: usize, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.frames_after(moment) >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}
