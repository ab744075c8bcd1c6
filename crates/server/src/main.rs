//! synctv: watch together and live streaming in one binary.
//!
//! This crate is wiring only: it reads the configuration, starts the
//! listeners of the `live` and `api` crates on one tokio runtime, and stops
//! them gracefully on SIGINT or SIGTERM. No business logic lives here.

mod cli;
mod cluster_live;
mod config;
mod config_cluster;
mod config_storage;
mod node;
mod rooms_cluster;
mod run;
mod stages_wiring;

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
    config.redis_url = cli.redis_url.or(config.redis_url);
    if let Err(e) = config.validate_cluster() {
        eprintln!("synctv: {e}");
        return ExitCode::from(2);
    }
    init_logging(&config.log);
    let (runtime, media) = match (runtime("synctv-io"), runtime("synctv-media")) {
        (Ok(runtime), Ok(media)) => (runtime, media),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("synctv: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(run::serve(config, media.handle().clone()));
    drop(runtime);
    media.shutdown_timeout(std::time::Duration::from_secs(1));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("synctv: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Connections run on one runtime, stream actors on another
/// (`HubConfig::actors`): each has a worker per core.
fn runtime(name: &str) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .thread_name(name)
        .enable_all()
        .build()
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
