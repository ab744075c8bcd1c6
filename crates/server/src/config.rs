//! Configuration: defaults, then the TOML file, then `SYNCTV_…` environment
//! variables, then command-line flags.
//!
//! Environment variables name a key by its path in the file, upper-cased,
//! sections joined with `__`: `SYNCTV_HTTP_ADDR`, `SYNCTV_LIVE__HLS_WINDOW`.
//! A value is read as TOML when it parses as one (`6`, `true`,
//! `[{stream = "s", key = "k"}]`) and as a plain string otherwise.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

pub(crate) use crate::config_cluster::ClusterSection;
pub(crate) use crate::config_storage::StorageSection;

pub(crate) const ENV_PREFIX: &str = "SYNCTV_";
/// The keys and sections at the top of the file.
const TOP_LEVEL_KEYS: [&str; 10] = [
    "http_addr",
    "http",
    "rtmp_addr",
    "data_dir",
    "database_url",
    "redis_url",
    "log",
    "live",
    "rooms",
    "cluster",
];

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// Where HTTP (API, HTTP-FLV, HLS) listens.
    pub(crate) http_addr: SocketAddr,
    /// Where RTMP (publish and play) listens.
    pub(crate) rtmp_addr: SocketAddr,
    /// Where data is kept.
    pub(crate) data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; absent: SQLite `synctv.db` in the data dir.
    pub(crate) database_url: Option<String>,
    /// `redis://…`: run as one of N equal replicas (cluster mode, which
    /// needs PostgreSQL); absent: standalone.
    pub(crate) redis_url: Option<String>,
    /// Log level: error, warn, info, debug or trace.
    pub(crate) log: String,
    pub(crate) http: HttpSection,
    pub(crate) live: LiveSection,
    pub(crate) rooms: RoomsSection,
    pub(crate) cluster: ClusterSection,
}

/// The `[http]` section.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct HttpSection {
    /// CIDR blocks (or single addresses) of the load balancers and proxies
    /// in front of synctv, whose `X-Forwarded-For` / `Forwarded: for=`
    /// name the client. Empty: the TCP peer is the client.
    pub(crate) trusted_proxies: Vec<String>,
}

impl HttpSection {
    /// The trusted proxies, or an error naming the block that is not one.
    pub(crate) fn trusted_proxies(&self) -> Result<api::TrustedProxies, ConfigError> {
        let blocks = self
            .trusted_proxies
            .iter()
            .map(|text| {
                api::Cidr::parse(text)
                    .map_err(|e| ConfigError::Invalid(format!("http.trusted_proxies: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(api::TrustedProxies::new(blocks))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RoomsSection {
    /// Messages a member's connection may have waiting before it is cut off.
    pub(crate) queue_messages: usize,
    /// Most members (online or not) per room.
    pub(crate) max_members: usize,
}

impl Default for RoomsSection {
    fn default() -> RoomsSection {
        RoomsSection {
            queue_messages: 512,
            max_members: 10_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LiveSection {
    /// Stream keys allowed to publish, and the stream each one feeds.
    pub(crate) keys: Vec<StreamKeyEntry>,
    /// `host[:port]` shown to streamers in publish URLs (default: the host
    /// the browser used, with the RTMP port).
    pub(crate) public_rtmp_host: Option<String>,
    /// Seconds a viewer who arrives before the publisher is held.
    pub(crate) viewer_wait_secs: f64,
    /// Most bytes of coded frames kept for new viewers.
    pub(crate) gop_cache_bytes: usize,
    /// Batches each stream's fan-out ring holds before a viewer lags.
    pub(crate) ring_batches: usize,
    /// HLS segment target duration, seconds.
    pub(crate) hls_target_secs: f64,
    /// HLS segments in the playlist.
    pub(crate) hls_window: usize,
    /// Chunk size used towards RTMP players.
    pub(crate) rtmp_chunk_size: usize,
    /// Largest RTMP message accepted from a peer, bytes.
    pub(crate) rtmp_max_message_bytes: usize,
    /// Most simultaneous RTMP connections.
    pub(crate) max_rtmp_connections: usize,
    /// Most simultaneous HTTP connections.
    pub(crate) max_http_connections: usize,
    /// Seconds a peer has to complete the RTMP handshake.
    pub(crate) handshake_timeout_secs: f64,
    /// Seconds without any byte from a publisher before it is dropped.
    pub(crate) idle_timeout_secs: f64,
    /// Seconds a viewer's socket may take nothing before it is dropped.
    pub(crate) viewer_write_timeout_secs: f64,
    /// Kernel send buffer per viewer socket, bytes (0: kernel autotuning).
    pub(crate) viewer_send_buffer_bytes: usize,
    /// `TCP_NODELAY` on viewer sockets (false: Nagle merges small writes).
    pub(crate) viewer_nodelay: bool,
    /// Viewers one stage (one replica carrying a room's stream) takes.
    pub(crate) stage_capacity: u32,
    /// A stage at or above capacity × this sends new viewers elsewhere.
    pub(crate) stage_scale_up_ratio: f64,
    /// Seconds a stage without viewers stays open.
    pub(crate) stage_idle_secs: f64,
    /// Seconds between a viewer's heartbeats (told to clients).
    pub(crate) viewer_heartbeat_secs: f64,
    /// Seconds after its last heartbeat a viewer stops counting.
    pub(crate) viewer_expiry_secs: f64,
    /// Seconds between two passes of a node over its stages.
    pub(crate) stage_tick_secs: f64,
    /// Seconds between two snapshots of viewer counts into SQL.
    pub(crate) viewer_snapshot_secs: f64,
    /// Most watch sessions per SQL batch.
    pub(crate) watch_batch_rows: usize,
    /// Seconds a finished watch session waits for its batch at most.
    pub(crate) watch_batch_secs: f64,
    /// `[live.storage]`: HLS segments in object storage (absent: in memory).
    pub(crate) storage: Option<StorageSection>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct StreamKeyEntry {
    pub(crate) stream: String,
    pub(crate) key: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            http_addr: SocketAddr::from(([0, 0, 0, 0], 8080)),
            rtmp_addr: SocketAddr::from(([0, 0, 0, 0], 1935)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            log: "info".into(),
            http: HttpSection::default(),
            live: LiveSection::default(),
            rooms: RoomsSection::default(),
            cluster: ClusterSection::default(),
        }
    }
}

impl Default for LiveSection {
    fn default() -> LiveSection {
        LiveSection {
            keys: Vec::new(),
            public_rtmp_host: None,
            viewer_wait_secs: 10.0,
            gop_cache_bytes: 16 * 1024 * 1024,
            ring_batches: 512,
            hls_target_secs: 2.0,
            hls_window: 6,
            rtmp_chunk_size: 4096,
            rtmp_max_message_bytes: 8 * 1024 * 1024,
            max_rtmp_connections: 20_000,
            max_http_connections: 20_000,
            handshake_timeout_secs: 10.0,
            idle_timeout_secs: 30.0,
            viewer_write_timeout_secs: 30.0,
            viewer_send_buffer_bytes: 1024 * 1024,
            viewer_nodelay: true,
            stage_capacity: 1000,
            stage_scale_up_ratio: 0.9,
            stage_idle_secs: 300.0,
            viewer_heartbeat_secs: 30.0,
            viewer_expiry_secs: 120.0,
            stage_tick_secs: 1.0,
            viewer_snapshot_secs: 300.0,
            watch_batch_rows: 25,
            watch_batch_secs: 30.0,
            storage: None,
        }
    }
}

#[derive(Debug, Error)]
pub(crate) enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Builds the configuration from an optional file and the environment.
    pub(crate) fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match file {
            Some(path) => read_table(path)?,
            None => toml::Table::new(),
        };
        for (name, value) in env {
            apply_env(&mut table, &name, &value)?;
        }
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.http.trusted_proxies()?;
        let live = &self.live;
        let positive = [
            (
                "live.viewer_wait_secs",
                live.viewer_wait_secs >= 0.0 && sane_secs(live.viewer_wait_secs),
            ),
            (
                "live.hls_target_secs",
                live.hls_target_secs >= 0.5 && sane_secs(live.hls_target_secs),
            ),
            ("live.hls_window", live.hls_window >= 2),
            ("live.ring_batches", live.ring_batches >= 8),
            (
                "live.rtmp_chunk_size",
                (128..=65_536).contains(&live.rtmp_chunk_size),
            ),
            (
                "live.handshake_timeout_secs",
                live.handshake_timeout_secs > 0.0 && sane_secs(live.handshake_timeout_secs),
            ),
            (
                "live.idle_timeout_secs",
                live.idle_timeout_secs > 0.0 && sane_secs(live.idle_timeout_secs),
            ),
            (
                "live.viewer_write_timeout_secs",
                live.viewer_write_timeout_secs > 0.0 && sane_secs(live.viewer_write_timeout_secs),
            ),
            ("live.stage_capacity", live.stage_capacity >= 1),
            (
                "live.stage_scale_up_ratio",
                live.stage_scale_up_ratio > 0.0 && live.stage_scale_up_ratio <= 1.0,
            ),
            ("live.watch_batch_rows", live.watch_batch_rows >= 1),
        ];
        let timers = [
            ("live.stage_idle_secs", live.stage_idle_secs),
            ("live.viewer_heartbeat_secs", live.viewer_heartbeat_secs),
            ("live.viewer_expiry_secs", live.viewer_expiry_secs),
            ("live.stage_tick_secs", live.stage_tick_secs),
            ("live.viewer_snapshot_secs", live.viewer_snapshot_secs),
            ("live.watch_batch_secs", live.watch_batch_secs),
        ];
        if let Some((key, _)) = timers.iter().find(|(_, v)| *v <= 0.0 || !sane_secs(*v)) {
            return Err(ConfigError::Invalid(format!("{key} is out of range")));
        }
        if let Some((key, _)) = positive.iter().find(|(_, ok)| !ok) {
            return Err(ConfigError::Invalid(format!("{key} is out of range")));
        }
        if let Some(storage) = &live.storage {
            storage.storage_config()?;
        }
        for entry in &live.keys {
            if entry.key.is_empty() || entry.stream.is_empty() {
                return Err(ConfigError::Invalid(
                    "live.keys entries need a non-empty stream and key".into(),
                ));
            }
        }
        Ok(())
    }

    /// Cluster mode's needs, checked once flags are applied (a flag may
    /// give the database).
    pub(crate) fn validate_cluster(&self) -> Result<(), ConfigError> {
        self.cluster.validate_ttls()?;
        if self.redis_url.is_none() {
            return Ok(());
        }
        self.cluster.validate(self.database_url.as_deref())?;
        self.cluster.advertised(self.http_addr, self.rtmp_addr)?;
        Ok(())
    }
}

/// A number of seconds every timer takes: finite, at most a year (TOML
/// allows `inf`, which no duration holds).
pub(crate) fn sane_secs(value: f64) -> bool {
    value.is_finite() && value <= 31_536_000.0
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Sets the key named by environment variable `name` (if it is one of ours).
fn apply_env(table: &mut toml::Table, name: &str, raw: &str) -> Result<(), ConfigError> {
    let Some(path) = name.strip_prefix(ENV_PREFIX) else {
        return Ok(());
    };
    if path == "CONFIG" {
        return Ok(());
    }
    let keys: Vec<String> = path.split("__").map(str::to_ascii_lowercase).collect();
    // Other programs' SYNCTV_* variables (not naming one of our keys or
    // sections) are left alone; typos inside a section are still errors.
    if !TOP_LEVEL_KEYS.contains(&keys[0].as_str()) {
        return Ok(());
    }
    let Some((last, sections)) = keys.split_last() else {
        return Ok(());
    };
    let mut node = table;
    for section in sections {
        let entry = node
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = entry.as_table_mut().ok_or_else(|| ConfigError::Env {
            name: name.to_owned(),
            message: format!("{section} is not a section"),
        })?;
    }
    node.insert(last.clone(), env_value(raw));
    Ok(())
}

fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_serve_a_single_machine() {
        let config = Config::load(None, []).unwrap();
        assert_eq!(config.http_addr.port(), 8080);
        assert_eq!(config.rtmp_addr.port(), 1935);
        assert_eq!(config.live.hls_window, 6);
        assert_eq!(config.live.hls_target_secs, 2.0);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("synctv-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("synctv.toml");
        std::fs::write(
            &file,
            "http_addr = \"127.0.0.1:9000\"\n[live]\nhls_window = 4\n[[live.keys]]\nstream = \"a\"\nkey = \"k1\"\n",
        )
        .unwrap();
        let config = Config::load(
            Some(&file),
            env(&[
                ("SYNCTV_LIVE__HLS_WINDOW", "8"),
                ("SYNCTV_LIVE__VIEWER_NODELAY", "false"),
                ("SYNCTV_DATA_DIR", "/tmp/x"),
                ("HOME", "/root"),
            ]),
        )
        .unwrap();
        assert_eq!(config.http_addr.port(), 9000);
        assert_eq!(config.live.hls_window, 8);
        assert!(!config.live.viewer_nodelay);
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.live.keys[0].key, "k1");
    }

    #[test]
    fn stream_keys_can_come_from_the_environment() {
        let config = Config::load(
            None,
            env(&[("SYNCTV_LIVE__KEYS", r#"[{stream = "s", key = "secret"}]"#)]),
        )
        .unwrap();
        assert_eq!(
            config.live.keys,
            [StreamKeyEntry {
                stream: "s".into(),
                key: "secret".into()
            }]
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_clear_errors() {
        let config = Config::load(None, env(&[("SYNCTV_BIN", "/usr/bin/x")])).unwrap();
        assert_eq!(
            config,
            Config::default(),
            "other programs' variables are ignored"
        );
        let err = Config::load(None, env(&[("SYNCTV_LIVE__HLS_WINDOWS", "3")])).unwrap_err();
        assert!(err.to_string().contains("hls_windows"), "{err}");
        let err = Config::load(None, env(&[("SYNCTV_LIVE__HLS_WINDOW", "1")])).unwrap_err();
        assert!(err.to_string().contains("live.hls_window"), "{err}");
        let err =
            Config::load(None, env(&[("SYNCTV_LIVE__IDLE_TIMEOUT_SECS", "inf")])).unwrap_err();
        assert!(err.to_string().contains("live.idle_timeout_secs"), "{err}");
        let err = Config::load(None, env(&[("SYNCTV_HTTP_ADDR", "nowhere")])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid(_)), "{err}");
    }

    #[test]
    fn a_redis_url_starts_cluster_mode_which_needs_postgres_and_a_secret() {
        let config =
            Config::load(None, env(&[("SYNCTV_REDIS_URL", "redis://127.0.0.1/")])).unwrap();
        let err = config.validate_cluster().unwrap_err().to_string();
        assert!(err.contains("PostgreSQL"), "{err}");
        let config = Config::load(
            None,
            env(&[
                ("SYNCTV_REDIS_URL", "redis://127.0.0.1/"),
                (
                    "SYNCTV_DATABASE_URL",
                    "postgres://postgres@127.0.0.1/synctv",
                ),
                ("SYNCTV_HTTP_ADDR", "127.0.0.2:8080"),
                ("SYNCTV_RTMP_ADDR", "127.0.0.2:1935"),
                ("SYNCTV_CLUSTER__NODE_ID", "replica-a"),
                ("SYNCTV_CLUSTER__SECRET", "a-secret-of-sixteen+"),
                ("SYNCTV_CLUSTER__STREAMS_TTL_SECS", "3600"),
                ("SYNCTV_CLUSTER__EPOCH_TTL_SECS", "1.5"),
            ]),
        )
        .unwrap();
        config.validate_cluster().unwrap();
        assert_eq!(config.cluster.node_id, "replica-a");
        assert_eq!(config.cluster.key_prefix, "synctv:");
        assert_eq!(config.cluster.streams_ttl_secs, 3600.0);
        assert_eq!(config.cluster.epoch_ttl_secs, 1.5);
        assert!(
            Config::default().validate_cluster().is_ok(),
            "standalone needs none of it"
        );
        let mut standalone = Config::default();
        standalone.cluster.streams_ttl_secs = f64::INFINITY;
        let err = standalone.validate_cluster().unwrap_err().to_string();
        assert!(err.contains("cluster.streams_ttl_secs"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_cidr_blocks_from_the_file_or_the_environment() {
        let vars = env(&[(
            "SYNCTV_HTTP__TRUSTED_PROXIES",
            r#"["10.0.0.0/8", "fd00::/8", "192.0.2.7"]"#,
        )]);
        let config = Config::load(None, vars).unwrap();
        assert_eq!(config.http.trusted_proxies.len(), 3);
        assert!(config.http.trusted_proxies().is_ok());
        let bad = env(&[("SYNCTV_HTTP__TRUSTED_PROXIES", r#"["10.0.0.0/40"]"#)]);
        let err = Config::load(None, bad).unwrap_err().to_string();
        assert!(
            err.contains("http.trusted_proxies") && err.contains("10.0.0.0/40"),
            "{err}"
        );
        let typo = env(&[("SYNCTV_HTTP__TRUSTED_PROXY", r#"["10.0.0.0/8"]"#)]);
        assert!(Config::load(None, typo).is_err());
        assert!(Config::default().http.trusted_proxies.is_empty());
    }
}
