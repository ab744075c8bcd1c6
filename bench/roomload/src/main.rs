//! roomload: many members of synctv rooms over WebSocket (JSON frames) in
//! one process, for the benchmarks of rooms in real time.
//!
//! Every member is a task that owns its socket, joins as a guest of a room
//! that admits guests, reads every frame as it arrives and checks the
//! room's seq and the bench's chat messages (`rl <k> <sent_us>`): each one
//! once, in order, and how long it took from the sender's write. A sampler
//! thread reads the server's CPU and RSS from /proc. The result is one JSON
//! line on stdout; progress goes to stderr.

mod args;
mod check;
mod http;
mod load;
mod member;
mod procmon;
mod report;

use std::process::ExitCode;

use args::{Args, USAGE};

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprint!("{USAGE}");
            if !e.to_string().is_empty() {
                eprintln!("\nroomload: {e}");
            }
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roomload: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(load::run(args)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("roomload: {e}");
            ExitCode::FAILURE
        }
    }
}
