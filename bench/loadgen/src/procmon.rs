//! 1 Hz sampler of /proc: CPU ticks and RSS of the server's process tree,
//! CPU of this client and of the publisher, and per-core busy time. Runs on
//! its own OS thread so a busy runtime cannot delay it.

use std::collections::HashMap;
use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sys;
use crate::viewer::Clock;

#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Seconds since the run's clock origin.
    pub t: f64,
    pub server_ticks: u64,
    pub server_sys_ticks: u64,
    /// read(2)- and write(2)-family calls of the server tree (/proc/<pid>/io).
    pub server_syscr: u64,
    pub server_syscw: u64,
    pub server_rss_kb: u64,
    pub server_alive: bool,
    pub client_ticks: u64,
    pub publisher_ticks: u64,
    /// (busy, total, softirq) ticks per core from /proc/stat.
    pub cores: Vec<(u64, u64, u64)>,
    /// Whole-system TCP counters (loopback carries both ends of the run).
    pub tcp: TcpCounters,
}

/// TCP counters of the whole system, from /proc/net/netstat.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpCounters {
    /// Segments sent that carried new data (TcpExt TCPOrigDataSent).
    pub data_segments: u64,
    /// ACKs without data received (TcpExt TCPPureAcks).
    pub pure_acks: u64,
    /// ACKs sent by the delayed-ACK timer (TcpExt DelayedACKs).
    pub delayed_acks: u64,
}

fn tcp_counters() -> TcpCounters {
    let Ok(text) = fs::read_to_string("/proc/net/netstat") else { return TcpCounters::default() };
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (lines.next(), lines.next()) else { return TcpCounters::default() };
    let pairs: HashMap<&str, u64> = names
        .split_whitespace()
        .zip(values.split_whitespace())
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let get = |k: &str| pairs.get(k).copied().unwrap_or(0);
    TcpCounters {
        data_segments: get("TCPOrigDataSent"),
        pure_acks: get("TCPPureAcks"),
        delayed_acks: get("DelayedACKs"),
    }
}

/// What one process tree used so far.
#[derive(Clone, Copy, Debug, Default)]
struct TreeUse {
    ticks: u64,
    sys_ticks: u64,
    rss_kb: u64,
    syscr: u64,
    syscw: u64,
}

#[derive(Clone, Copy, Debug)]
struct Stat {
    ppid: u32,
    ticks: u64,
    sys_ticks: u64,
    rss_pages: u64,
}

fn read_stat(pid: &str) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state): ppid = 4, utime = 14, stime = 15, rss = 24.
    Some(Stat {
        ppid: f.get(1)?.parse().ok()?,
        ticks: f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?,
        sys_ticks: f.get(12)?.parse().ok()?,
        rss_pages: f.get(21)?.parse().ok()?,
    })
}

/// (syscr, syscw) from /proc/<pid>/io.
fn io_calls(pid: u32) -> (u64, u64) {
    let Ok(text) = fs::read_to_string(format!("/proc/{pid}/io")) else { return (0, 0) };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("syscr:"), field("syscw:"))
}

/// CPU, RSS and I/O calls of `root` and all its descendants.
fn tree(root: u32) -> Option<TreeUse> {
    let mut all: HashMap<u32, Stat> = HashMap::new();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Ok(pid) = name.parse::<u32>() else { continue };
        if let Some(stat) = read_stat(name) {
            all.insert(pid, stat);
        }
    }
    all.get(&root)?;
    let mut members = vec![root];
    let mut i = 0;
    while i < members.len() {
        let parent = members[i];
        members.extend(all.iter().filter(|(&pid, s)| s.ppid == parent && pid != root).map(|(&pid, _)| pid));
        i += 1;
    }
    let mut u = TreeUse::default();
    for pid in members {
        let s = all[&pid];
        let (r, w) = io_calls(pid);
        u.ticks += s.ticks;
        u.sys_ticks += s.sys_ticks;
        u.rss_kb += s.rss_pages * sys::page_size() / 1024;
        u.syscr += r;
        u.syscw += w;
    }
    Some(u)
}

fn cores() -> Vec<(u64, u64, u64)> {
    let Ok(text) = fs::read_to_string("/proc/stat") else { return Vec::new() };
    text.lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let v: Vec<u64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
            // user nice system idle iowait irq softirq steal
            let total: u64 = v.iter().take(8).sum();
            let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
            (total - idle, total, v.get(6).copied().unwrap_or(0))
        })
        .collect()
}

pub fn sample(clock: &Clock, server: Option<u32>, publisher: Option<u32>) -> Sample {
    let server_tree = server.and_then(tree);
    let u = server_tree.unwrap_or_default();
    Sample {
        t: clock.secs(Instant::now()),
        server_ticks: u.ticks,
        server_sys_ticks: u.sys_ticks,
        server_syscr: u.syscr,
        server_syscw: u.syscw,
        server_rss_kb: u.rss_kb,
        server_alive: server_tree.is_some(),
        client_ticks: read_stat("self").map_or(0, |s| s.ticks),
        publisher_ticks: publisher
            .and_then(|p| read_stat(&p.to_string()))
            .map_or(0, |s| s.ticks),
        cores: cores(),
        tcp: tcp_counters(),
    }
}

/// Sample every second until `stop` is set; returns all samples.
pub fn spawn(clock: Clock, server: Option<u32>, publisher: Option<u32>, stop: Arc<AtomicBool>) -> JoinHandle<Vec<Sample>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut next = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            out.push(sample(&clock, server, publisher));
            next += Duration::from_secs(1);
            // Sleep in short steps so that a stop is seen quickly.
            while Instant::now() < next && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50).min(next - Instant::now()));
            }
        }
        out.push(sample(&clock, server, publisher));
        out
    })
}

/// What the samples say about the window [from, to] (seconds).
#[derive(Debug, Default)]
pub struct Usage {
    pub server_cpu_avg: Option<f64>,
    pub server_cpu_max: Option<f64>,
    pub server_sys_avg: Option<f64>,
    pub server_reads_per_s: Option<f64>,
    pub server_writes_per_s: Option<f64>,
    /// Busy time of all cores not accounted to server, client or publisher
    /// (other processes, and interrupt work charged to no one), in % of one core.
    pub other_cpu_avg: Option<f64>,
    pub client_cpu_avg: Option<f64>,
    pub publisher_cpu_avg: Option<f64>,
    pub core_busy: Vec<f64>,
    pub core_softirq: Vec<f64>,
    /// Per second over the window: (data segments, pure ACKs, delayed ACKs).
    pub tcp_per_s: Option<(f64, f64, f64)>,
    pub server_rss_max_kb: u64,
    pub server_alive_at_end: bool,
    pub samples: usize,
}

pub fn usage(samples: &[Sample], from: f64, to: f64) -> Usage {
    let hz = sys::clock_ticks_per_sec();
    let window: Vec<&Sample> = samples.iter().filter(|s| s.t >= from - 0.5 && s.t <= to + 0.5).collect();
    let mut u = Usage {
        server_rss_max_kb: samples.iter().map(|s| s.server_rss_kb).max().unwrap_or(0),
        server_alive_at_end: samples.last().is_some_and(|s| s.server_alive),
        samples: window.len(),
        ..Usage::default()
    };
    let (Some(first), Some(last)) = (window.first(), window.last()) else { return u };
    let dt = last.t - first.t;
    if dt <= 0.0 {
        return u;
    }
    let pct = |a: u64, b: u64, dt: f64| b.saturating_sub(a) as f64 / hz / dt * 100.0;
    u.server_cpu_avg = Some(pct(first.server_ticks, last.server_ticks, dt));
    u.client_cpu_avg = Some(pct(first.client_ticks, last.client_ticks, dt));
    u.publisher_cpu_avg = Some(pct(first.publisher_ticks, last.publisher_ticks, dt));
    u.server_sys_avg = Some(pct(first.server_sys_ticks, last.server_sys_ticks, dt));
    u.server_reads_per_s = Some(last.server_syscr.saturating_sub(first.server_syscr) as f64 / dt);
    u.server_writes_per_s = Some(last.server_syscw.saturating_sub(first.server_syscw) as f64 / dt);
    let busy = |s: &Sample| s.cores.iter().map(|c| c.0).sum::<u64>();
    let known = [u.server_cpu_avg, u.client_cpu_avg, u.publisher_cpu_avg].iter().flatten().sum::<f64>();
    u.other_cpu_avg = Some((pct(busy(first), busy(last), dt) - known).max(0.0));
    u.server_cpu_max = window
        .windows(2)
        .filter(|w| w[1].t > w[0].t)
        .map(|w| pct(w[0].server_ticks, w[1].server_ticks, w[1].t - w[0].t))
        .reduce(f64::max);
    let rate = |a: u64, b: u64| b.saturating_sub(a) as f64 / dt;
    let (a, b) = (first.tcp, last.tcp);
    u.tcp_per_s = Some((
        rate(a.data_segments, b.data_segments),
        rate(a.pure_acks, b.pure_acks),
        rate(a.delayed_acks, b.delayed_acks),
    ));
    for (a, b) in first.cores.iter().zip(&last.cores) {
        let total = b.1.saturating_sub(a.1).max(1) as f64;
        u.core_busy.push(b.0.saturating_sub(a.0) as f64 / total * 100.0);
        u.core_softirq.push(b.2.saturating_sub(a.2) as f64 / total * 100.0);
    }
    u
}
