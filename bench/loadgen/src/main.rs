//! loadgen: many cheap viewers of one live stream (HTTP-FLV, RTMP play or
//! HLS) in one process, for synctv's benchmarks.
//!
//! Every viewer is a task that owns its socket and scans what it receives
//! just enough to know frame types and timestamps; payloads are skipped in
//! place. A sampler thread reads /proc once a second. The result is one
//! JSON line on stdout; progress goes to stderr.

mod args;
mod flv;
mod flv_play;
mod hls;
mod http;
mod json;
mod load;
mod net;
mod probe;
mod procmon;
mod rtmp;
mod sys;
mod ts;
mod viewer;

use std::process::ExitCode;

use args::{Args, USAGE};

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprint!("{USAGE}");
            if !e.to_string().is_empty() {
                eprintln!("\nloadgen: {e}");
            }
            return ExitCode::from(2);
        }
    };
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = if args.probe {
        runtime.block_on(probe::run(args))
    } else {
        runtime.block_on(load::run(args)).map(|line| (line, true))
    };
    match outcome {
        Ok((line, ok)) => {
            println!("{line}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::from(2)
        }
    }
}
