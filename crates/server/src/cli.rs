//! Command-line flags. Every flag also has a `SYNCTV_…` variable and a key in
//! the TOML file; flags win over both.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Configuration comes from, in rising priority: built-in defaults, the TOML file
(--config or SYNCTV_CONFIG), SYNCTV_* environment variables, then flags.
A variable names a file key upper-cased, sections joined by '__':

  http_addr                     SYNCTV_HTTP_ADDR                   0.0.0.0:8080
  rtmp_addr                     SYNCTV_RTMP_ADDR                   0.0.0.0:1935
  data_dir                      SYNCTV_DATA_DIR                    ./data
  database_url                  SYNCTV_DATABASE_URL                (SQLite in data_dir)
  redis_url                     SYNCTV_REDIS_URL                   (standalone) cluster mode
  log                           SYNCTV_LOG                         info
  [http] trusted_proxies        SYNCTV_HTTP__TRUSTED_PROXIES       [] e.g. [\"10.0.0.0/8\"]
  [live] keys                   SYNCTV_LIVE__KEYS                  [] e.g. [{stream=\"s\", key=\"k\"}]
  [live] public_rtmp_host       SYNCTV_LIVE__PUBLIC_RTMP_HOST      (the caller's host)
  [live] viewer_wait_secs       SYNCTV_LIVE__VIEWER_WAIT_SECS      10
  [live] gop_cache_bytes        SYNCTV_LIVE__GOP_CACHE_BYTES       16777216
  [live] ring_batches           SYNCTV_LIVE__RING_BATCHES          512
  [live] hls_target_secs        SYNCTV_LIVE__HLS_TARGET_SECS       2
  [live] hls_window             SYNCTV_LIVE__HLS_WINDOW            6
  [live] rtmp_chunk_size        SYNCTV_LIVE__RTMP_CHUNK_SIZE       4096
  [live] rtmp_max_message_bytes SYNCTV_LIVE__RTMP_MAX_MESSAGE_BYTES 8388608
  [live] max_rtmp_connections   SYNCTV_LIVE__MAX_RTMP_CONNECTIONS  20000
  [live] max_http_connections   SYNCTV_LIVE__MAX_HTTP_CONNECTIONS  20000
  [live] handshake_timeout_secs SYNCTV_LIVE__HANDSHAKE_TIMEOUT_SECS 10
  [live] idle_timeout_secs      SYNCTV_LIVE__IDLE_TIMEOUT_SECS     30
  [live] viewer_write_timeout_secs SYNCTV_LIVE__VIEWER_WRITE_TIMEOUT_SECS 30
  [live] viewer_send_buffer_bytes SYNCTV_LIVE__VIEWER_SEND_BUFFER_BYTES 1048576
  [live] viewer_nodelay         SYNCTV_LIVE__VIEWER_NODELAY        true
  [live] stage_capacity         SYNCTV_LIVE__STAGE_CAPACITY        1000
  [live] stage_scale_up_ratio   SYNCTV_LIVE__STAGE_SCALE_UP_RATIO  0.9
  [live] stage_idle_secs        SYNCTV_LIVE__STAGE_IDLE_SECS       300
  [live] viewer_heartbeat_secs  SYNCTV_LIVE__VIEWER_HEARTBEAT_SECS 30
  [live] viewer_expiry_secs     SYNCTV_LIVE__VIEWER_EXPIRY_SECS    120
  [live] stage_tick_secs        SYNCTV_LIVE__STAGE_TICK_SECS       1
  [live] viewer_snapshot_secs   SYNCTV_LIVE__VIEWER_SNAPSHOT_SECS  300
  [live] watch_batch_rows       SYNCTV_LIVE__WATCH_BATCH_ROWS      25
  [live] watch_batch_secs       SYNCTV_LIVE__WATCH_BATCH_SECS      30
  [live.storage] bucket         SYNCTV_LIVE__STORAGE__BUCKET       (none: HLS in memory only)
  [live.storage] endpoint       SYNCTV_LIVE__STORAGE__ENDPOINT     (AWS S3 or AWS_ENDPOINT_URL)
  [live.storage] region         SYNCTV_LIVE__STORAGE__REGION       (AWS_REGION or us-east-1)
  [live.storage] access_key_id  SYNCTV_LIVE__STORAGE__ACCESS_KEY_ID (AWS_ACCESS_KEY_ID)
  [live.storage] secret_access_key SYNCTV_LIVE__STORAGE__SECRET_ACCESS_KEY (AWS_SECRET_ACCESS_KEY)
  [live.storage] public_base_url SYNCTV_LIVE__STORAGE__PUBLIC_BASE_URL (endpoint/bucket)
  [live.storage] prefix         SYNCTV_LIVE__STORAGE__PREFIX       hls
  [live.storage] grace_secs     SYNCTV_LIVE__STORAGE__GRACE_SECS   3600
  [live.storage] concurrency    SYNCTV_LIVE__STORAGE__CONCURRENCY  16
  [live.storage] retries        SYNCTV_LIVE__STORAGE__RETRIES      3
  [live.storage] timeout_secs   SYNCTV_LIVE__STORAGE__TIMEOUT_SECS 10
  [cluster] node_id             SYNCTV_CLUSTER__NODE_ID            (host name)
  [cluster] advertise_http      SYNCTV_CLUSTER__ADVERTISE_HTTP     (http_addr)
  [cluster] advertise_rtmp      SYNCTV_CLUSTER__ADVERTISE_RTMP     (rtmp_addr)
  [cluster] secret              SYNCTV_CLUSTER__SECRET             (none; needed in cluster mode)
  [cluster] key_prefix          SYNCTV_CLUSTER__KEY_PREFIX         synctv:
  [cluster] pull_idle_secs      SYNCTV_CLUSTER__PULL_IDLE_SECS     300
  [cluster] streams_ttl_secs    SYNCTV_CLUSTER__STREAMS_TTL_SECS   86400
  [cluster] epoch_ttl_secs      SYNCTV_CLUSTER__EPOCH_TTL_SECS     604800

Publish with rtmp://HOST:1935/live/{key}; watch stream S at
http://HOST:8080/flv/S.flv, http://HOST:8080/hls/S/index.m3u8 or
rtmp://HOST:1935/live/S. docs/configuration.md explains every key.";

#[derive(Debug, Parser)]
#[command(name = "synctv", version, about, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, value_name = "FILE", env = "SYNCTV_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// HTTP listen address (API, HTTP-FLV, HLS).
    #[arg(long, global = true, value_name = "ADDR")]
    pub(crate) http_addr: Option<SocketAddr>,
    /// RTMP listen address (publish and play).
    #[arg(long, global = true, value_name = "ADDR")]
    pub(crate) rtmp_addr: Option<SocketAddr>,
    /// Data directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database: postgres://… (default: SQLite file in the data directory).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// Redis: redis://… runs this server as one of N equal replicas
    /// (needs a PostgreSQL database and [cluster] secret).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) redis_url: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the server (the default).
    Serve,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn flags_parse_with_or_without_the_serve_subcommand() {
        let cli = Cli::parse_from(["synctv", "--http-addr", "127.0.0.1:1", "serve"]);
        assert_eq!(cli.http_addr, Some("127.0.0.1:1".parse().unwrap()));
        assert!(matches!(cli.command, Some(Command::Serve)));
        let cli = Cli::parse_from(["synctv", "serve", "--data-dir", "/d"]);
        assert_eq!(cli.data_dir, Some(PathBuf::from("/d")));
        Cli::command().debug_assert();
    }
}
