//! A sampler of /proc on its own OS thread (4 Hz): the server's CPU ticks
//! and RSS, this client's CPU ticks, and every core's busy time.

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::check::now_us;

/// Units of utime/stime in /proc: USER_HZ, 100 on every Linux ABI.
const USER_HZ: f64 = 100.0;
const PERIOD: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Seconds on the members' clock.
    pub t: f64,
    pub server_ticks: u64,
    pub server_rss_kb: u64,
    pub server_alive: bool,
    pub client_ticks: u64,
    /// Busy ticks of all cores together, and per core.
    pub busy: u64,
    pub cores: Vec<u64>,
    /// Ticks per core elapsed (busy + idle), all cores.
    pub total: u64,
}

/// utime + stime of a process.
fn ticks(pid: &str) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn rss_kb(pid: u32) -> Option<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// (busy of all, busy per core, total of all) from /proc/stat.
fn cores() -> (u64, Vec<u64>, u64) {
    let Ok(text) = fs::read_to_string("/proc/stat") else { return (0, Vec::new(), 0) };
    let mut out = (0, Vec::new(), 0);
    for line in text.lines().filter(|l| l.starts_with("cpu")) {
        let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
        // user nice system idle iowait irq softirq steal
        let total: u64 = v.iter().take(8).sum();
        let busy = total - v.get(3).copied().unwrap_or(0) - v.get(4).copied().unwrap_or(0);
        if line.starts_with("cpu ") {
            out.0 = busy;
            out.2 = total;
        } else {
            out.1.push(busy);
        }
    }
    out
}

/// One sample; the servers' ticks and RSS are summed, and they are alive
/// when every one of them is (and there is at least one).
pub fn sample(servers: &[u32]) -> Sample {
    let server_ticks: Vec<Option<u64>> = servers.iter().map(|p| ticks(&p.to_string())).collect();
    let (busy, cores, total) = cores();
    Sample {
        t: now_us() as f64 / 1e6,
        server_ticks: server_ticks.iter().flatten().sum(),
        server_rss_kb: servers.iter().filter_map(|p| rss_kb(*p)).sum(),
        server_alive: !servers.is_empty() && server_ticks.iter().all(Option::is_some),
        client_ticks: ticks("self").unwrap_or(0),
        busy,
        cores,
        total,
    }
}

/// Samples until stopped; the samples so far are readable at any time.
pub struct Monitor {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Monitor {
    pub fn start(servers: Vec<u32>) -> Monitor {
        let samples = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (samples.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                let one = sample(&servers);
                s.lock().unwrap_or_else(PoisonError::into_inner).push(one);
                std::thread::sleep(PERIOD);
            }
        });
        Monitor {
            samples,
            stop,
            thread: Some(thread),
        }
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn stop(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.samples()
    }
}

/// What the samples say about the window [from, to] (seconds).
#[derive(Debug, Default)]
pub struct Usage {
    pub server_cpu_avg: f64,
    /// The busiest second.
    pub server_cpu_max: f64,
    pub client_cpu_avg: f64,
    /// Busy time of the box not charged to the server or this client, in %
    /// of one core.
    pub other_cpu_avg: f64,
    pub core_busy: Vec<f64>,
    pub server_rss_kb_max: u64,
    pub server_alive: bool,
}

pub fn usage(samples: &[Sample], from: f64, to: f64) -> Usage {
    let w: Vec<&Sample> = samples.iter().filter(|s| s.t >= from && s.t <= to).collect();
    let (Some(a), Some(b)) = (w.first(), w.last()) else { return Usage::default() };
    let dt = b.t - a.t;
    if dt <= 0.0 {
        return Usage::default();
    }
    let pct = |x: u64, y: u64, dt: f64| y.saturating_sub(x) as f64 / USER_HZ / dt * 100.0;
    let server = pct(a.server_ticks, b.server_ticks, dt);
    let client = pct(a.client_ticks, b.client_ticks, dt);
    let per_core = b.total.saturating_sub(a.total).max(1) as f64 / a.cores.len().max(1) as f64;
    Usage {
        server_cpu_avg: server,
        server_cpu_max: w
            .iter()
            .zip(w.iter().skip(4))
            .map(|(x, y)| pct(x.server_ticks, y.server_ticks, y.t - x.t))
            .fold(0.0, f64::max),
        client_cpu_avg: client,
        other_cpu_avg: (pct(a.busy, b.busy, dt) - server - client).max(0.0),
        core_busy: a
            .cores
            .iter()
            .zip(&b.cores)
            .map(|(x, y)| y.saturating_sub(*x) as f64 / per_core * 100.0)
            .collect(),
        server_rss_kb_max: w.iter().map(|s| s.server_rss_kb).max().unwrap_or(0),
        server_alive: b.server_alive,
    }
}
