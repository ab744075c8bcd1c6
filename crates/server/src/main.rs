//! synctv: watch together and live streaming in one binary.
//!
//! This crate is wiring only: it reads the configuration, starts the
//! listeners of the `live` and `api` crates on one tokio runtime, and stops
//! them gracefully on SIGINT or SIGTERM. No business logic lives here.

mod cli;
mod config;
mod run;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let mut config = match config::Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("synctv: {e}");
            return ExitCode::from(2);
        }
    };
    config.http_addr = cli.http_addr.unwrap_or(config.http_addr);
    config.rtmp_addr = cli.rtmp_addr.unwrap_or(config.rtmp_addr);
    config.data_dir = cli.data_dir.unwrap_or(config.data_dir);
    config.database_url = cli.database_url.or(config.database_url);
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("synctv: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("synctv: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: &str) {
    let level = level
        .parse::<tracing::Level>()
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .init();
}
