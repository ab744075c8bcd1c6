//! Probe mode: is the stream playable, and (with --calibrate) how late does
//! the publisher's media time 0 reach a lightly loaded viewer?

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::args::Args;
use crate::json::Obj;
use crate::load;
use crate::net::Url;
use crate::viewer::Clock;

const RETRY: Duration = Duration::from_millis(250);

/// One JSON line, and whether a keyframe (HLS: a segment) arrived.
pub async fn run(args: Args) -> Result<(String, bool), String> {
    let url = Arc::new(Url::parse(&args.url)?);
    let clock = Clock::new();
    let give_up = Instant::now() + Duration::from_secs_f64(args.duration);
    let mut attempts = 0;
    // Servers without a wait for the publisher refuse or end early plays:
    // try again until the stream is there or the time is up.
    let report = loop {
        attempts += 1;
        let now = Instant::now();
        let mut plan = load::plan(&args, clock, now, give_up.max(now + RETRY));
        plan.after_first_keyframe = Some(Duration::from_secs_f64(args.calibrate));
        let report = load::play(args.proto, url.clone(), Arc::new(plan)).await;
        if report.ttfk_ms.is_some() || Instant::now() + RETRY >= give_up {
            break report;
        }
        tokio::time::sleep(RETRY).await;
    };
    let ready = report.ttfk_ms.is_some();
    let mut o = Obj::new();
    o.str("protocol", args.proto.name())
        .str("ready", if ready { "yes" } else { "no" })
        .num("setup_ms", report.setup_ms)
        .num("ttfk_ms", report.ttfk_ms)
        .num("first_keyframe_ts_ms", report.first_keyframe_ts_ms.map(|t| t as f64))
        .int("keyframes", report.keyframes)
        .int("attempts", attempts)
        .num("bias_ms", report.bias_ms.filter(|_| args.calibrate > 0.0));
    if let Some(e) = report.error.as_ref().filter(|_| !ready) {
        o.str("error", &e.to_string());
    }
    Ok((o.finish(), ready))
}
