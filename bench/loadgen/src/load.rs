//! Load mode: ramp N viewers in, hold them, sample the server, summarise.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::time::{sleep, sleep_until, timeout_at};

use crate::args::{Args, Proto};
use crate::json::{percentile, Obj};
use crate::net::Url;
use crate::procmon::{self, Sample};
use crate::viewer::{Clock, ErrorKind, Plan, Progress, Viewer, ViewerError, ViewerReport};
use crate::{flv_play, hls, rtmp};

/// Time between the start of the run and the first join.
const LEAD_IN: Duration = Duration::from_millis(200);
/// Extra time after the hold window before a viewer is abandoned.
const GRACE: Duration = Duration::from_secs(5);

pub fn plan(args: &Args, clock: Clock, hold_start: Instant, hold_end: Instant) -> Plan {
    Plan {
        clock,
        hold_start,
        hold_end,
        t0_ms: args.publish_epoch_ms,
        stall: Duration::from_secs_f64(args.stall_timeout),
        connect_timeout: Duration::from_secs_f64(args.connect_timeout),
        bufsize: args.bufsize,
        rcvlowat: args.rcvlowat,
        rcvbuf: args.rcvbuf,
        hls_pts_offset_ms: args.hls_pts_offset_ms,
        hls_start_back: args.hls_start_back,
        after_first_keyframe: None,
        progress: Arc::new(Progress::default()),
    }
}

/// Play one viewer to its end, whatever happens.
pub async fn play(proto: Proto, url: Arc<Url>, plan: Arc<Plan>) -> ViewerReport {
    let mut v = Viewer::new(plan);
    let hard_stop = v.deadline + GRACE;
    let outcome = {
        let session = async {
            match proto {
                Proto::Flv => flv_play::run(&url, &mut v).await,
                Proto::Rtmp => rtmp::run(&url, &mut v).await,
                Proto::Hls => hls::run(&url, &mut v).await,
            }
        };
        timeout_at(hard_stop.into(), session).await
    };
    let outcome = outcome.unwrap_or_else(|_| Err(ViewerError::new(ErrorKind::Stall, "did not stop at the deadline")));
    v.finish(outcome)
}

pub async fn run(args: Args) -> Result<String, String> {
    let url = Arc::new(Url::parse(&args.url)?);
    let clock = Clock::new();
    let base = procmon::sample(&clock, args.server_pid, args.publisher_pid);
    let stop = Arc::new(AtomicBool::new(false));
    let monitor = procmon::spawn(clock, args.server_pid, args.publisher_pid, stop.clone());

    let first_join = Instant::now() + LEAD_IN;
    let ramp = Duration::from_secs_f64(args.ramp_secs());
    let hold_start = first_join + ramp;
    let hold_end = hold_start + Duration::from_secs_f64(args.duration);
    let plan = Arc::new(plan(&args, clock, hold_start, hold_end));
    let progress = (!args.quiet).then(|| tokio::spawn(report_progress(plan.clone(), args.viewers)));

    let mut handles = Vec::with_capacity(args.viewers);
    for i in 0..args.viewers {
        let at = first_join + ramp.mul_f64(i as f64 / args.viewers as f64);
        let (url, plan) = (url.clone(), plan.clone());
        handles.push(tokio::spawn(async move {
            sleep_until(at.into()).await;
            play(args.proto, url, plan).await
        }));
    }
    let mut reports = Vec::with_capacity(handles.len());
    for h in handles {
        reports.push(h.await.unwrap_or_else(|e| ViewerReport {
            error: Some(ViewerError::new(ErrorKind::Protocol, format!("viewer task failed: {e}"))),
            ..ViewerReport::default()
        }));
    }
    if let Some(p) = progress {
        p.abort();
    }
    stop.store(true, Ordering::Relaxed);
    let samples = monitor.join().unwrap_or_default();
    Ok(summary(&args, &plan, &reports, &base, &samples))
}

async fn report_progress(plan: Arc<Plan>, viewers: usize) {
    let p = &plan.progress;
    let mut last_bytes = 0;
    loop {
        sleep(Duration::from_secs(1)).await;
        let bytes = p.bytes.load(Ordering::Relaxed);
        eprintln!(
            "[loadgen {:5.1}s] started {}/{} setup {} keyframe {} failed {} {:.0} Mbit/s",
            plan.clock.secs(Instant::now()),
            p.started.load(Ordering::Relaxed),
            viewers,
            p.setup.load(Ordering::Relaxed),
            p.keyframe.load(Ordering::Relaxed),
            p.failed.load(Ordering::Relaxed),
            (bytes - last_bytes) as f64 * 8.0 / 1e6,
        );
        last_bytes = bytes;
    }
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn summary(args: &Args, plan: &Plan, reports: &[ViewerReport], base: &Sample, samples: &[Sample]) -> String {
    let n = args.viewers;
    let failed: Vec<&ViewerReport> = reports.iter().filter(|r| r.error.is_some()).collect();
    let alive: Vec<&ViewerReport> = reports.iter().filter(|r| r.error.is_none()).collect();
    let mut by_kind = Obj::new();
    let mut examples = Obj::new();
    for kind in ErrorKind::ALL {
        let of_kind: Vec<&&ViewerReport> = failed.iter().filter(|r| r.error.as_ref().is_some_and(|e| e.kind == kind)).collect();
        if !of_kind.is_empty() {
            by_kind.int(kind.name(), of_kind.len() as u64);
            let mut details: Vec<&str> = Vec::new();
            for r in &of_kind {
                let d = r.error.as_ref().map(|e| e.detail.as_str()).unwrap_or_default();
                if !details.contains(&d) && details.len() < 3 {
                    details.push(d);
                }
            }
            let e = details.join(" | ");
            let when: Vec<f64> = sorted(of_kind.iter().map(|r| r.error_after_s).collect());
            let text = format!(
                "{e} (x{}, {}-{} s after joining, {} before a keyframe)",
                of_kind.len(),
                fmt1(when.first()),
                fmt1(when.last()),
                of_kind.iter().filter(|r| r.ttfk_ms.is_none()).count()
            );
            examples.str(kind.name(), &text);
        }
    }
    let ttfk = sorted(reports.iter().filter_map(|r| r.ttfk_ms).collect());
    let setup = sorted(reports.iter().filter_map(|r| r.setup_ms).collect());
    let e2e = sorted(reports.iter().flat_map(|r| r.e2e_ms.iter().map(|&x| f64::from(x))).collect());
    let kbps = sorted(
        alive
            .iter()
            .filter(|r| r.secs_in_hold >= 1.0)
            .map(|r| r.bytes_in_hold as f64 * 8.0 / r.secs_in_hold / 1000.0)
            .collect(),
    );
    let lags: Vec<f64> = alive.iter().filter_map(|r| r.lag_ms).collect();
    let lagging = lags.iter().filter(|&&l| l > args.lag_ms).count();
    let bytes: u64 = reports.iter().map(|r| r.bytes_in_hold).sum();

    let hold_from = plan.clock.secs(plan.hold_start) + 1.0;
    let hold_to = plan.clock.secs(plan.hold_end);
    let usage = procmon::usage(samples, hold_from, hold_to);
    let base_rss_mb = base.server_rss_kb as f64 / 1024.0;
    let max_rss_mb = usage.server_rss_max_kb as f64 / 1024.0;
    let has_server = args.server_pid.is_some();

    let mut o = Obj::new();
    for (k, v) in &args.tags {
        o.str(k, v);
    }
    o.str("protocol", args.proto.name())
        .int("viewers", n as u64)
        .str("mode", &mode(args))
        .num("hold_s", Some(args.duration))
        .num("ramp_s", Some(args.ramp_secs()))
        .int("connected", reports.iter().filter(|r| r.setup_ms.is_some()).count() as u64)
        .int("active_at_end", alive.len() as u64)
        .int("errors", failed.len() as u64)
        .raw("errors_by_kind", &by_kind.finish())
        .raw("error_examples", &examples.finish())
        .int("soft_errors", reports.iter().map(|r| u64::from(r.soft_errors)).sum())
        .int("skipped_segments", reports.iter().map(|r| u64::from(r.skipped_segments)).sum())
        .int("lagging_viewers", lagging as u64)
        .num("lag_ms_max", lags.iter().copied().reduce(f64::max))
        .num("setup_p50_ms", percentile(&setup, 50.0))
        .num("setup_p99_ms", percentile(&setup, 99.0))
        .num("ttfk_p50_ms", percentile(&ttfk, 50.0))
        .num("ttfk_p95_ms", percentile(&ttfk, 95.0))
        .num("ttfk_p99_ms", percentile(&ttfk, 99.0))
        .num("ttfk_max_ms", ttfk.last().copied())
        .num("e2e_p50_ms", percentile(&e2e, 50.0))
        .num("e2e_p95_ms", percentile(&e2e, 95.0))
        .num("e2e_p99_ms", percentile(&e2e, 99.0))
        .num("e2e_max_ms", e2e.last().copied())
        .int("e2e_samples", e2e.len() as u64)
        .num("kbps_per_viewer_p50", percentile(&kbps, 50.0))
        .num("kbps_per_viewer_min", kbps.first().copied())
        .num("mbps_out", Some(bytes as f64 * 8.0 / args.duration / 1e6))
        .num("server_cpu_pct_avg", usage.server_cpu_avg.filter(|_| has_server))
        .num("server_cpu_pct_max", usage.server_cpu_max.filter(|_| has_server))
        .num(
            "cpu_pct_per_100_viewers",
            usage.server_cpu_avg.filter(|_| has_server && !alive.is_empty()).map(|c| c / alive.len() as f64 * 100.0),
        )
        .num("server_sys_pct", usage.server_sys_avg.filter(|_| has_server))
        .num("server_write_calls_per_s", usage.server_writes_per_s.filter(|_| has_server))
        .num("server_read_calls_per_s", usage.server_reads_per_s.filter(|_| has_server))
        .num("server_rss_mb_base", Some(base_rss_mb).filter(|_| has_server))
        .num("server_rss_mb_max", Some(max_rss_mb).filter(|_| has_server))
        .num("rss_kb_per_viewer", Some((max_rss_mb - base_rss_mb) * 1024.0 / n as f64).filter(|_| has_server))
        .str("server_alive_at_end", if usage.server_alive_at_end { "yes" } else { "no" })
        .num("client_cpu_pct", usage.client_cpu_avg)
        .num("client_rss_mb", client_peak_rss_mb())
        .num("publisher_cpu_pct", usage.publisher_cpu_avg.filter(|_| args.publisher_pid.is_some()))
        .nums("core_busy_pct", &usage.core_busy)
        .nums("core_softirq_pct", &usage.core_softirq)
        .num("other_cpu_pct", usage.other_cpu_avg)
        .num("tcp_data_segments_per_s", usage.tcp_per_s.map(|t| t.0))
        .num("tcp_pure_acks_per_s", usage.tcp_per_s.map(|t| t.1))
        .num("tcp_delayed_acks_per_s", usage.tcp_per_s.map(|t| t.2))
        .int("cpu_samples", usage.samples as u64)
        .finish()
}

pub fn mode(args: &Args) -> String {
    if args.rcvlowat > 0 && args.proto != Proto::Hls {
        format!("lowat{}", args.rcvlowat)
    } else {
        "eager".to_string()
    }
}

fn fmt1(v: Option<&f64>) -> String {
    v.map_or_else(|| "?".into(), |x| format!("{x:.1}"))
}

fn client_peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
