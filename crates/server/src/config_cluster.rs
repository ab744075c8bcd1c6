//! The `[cluster]` section: how this replica finds and is found by the
//! others when `redis_url` is set (docs/cluster.md).

use std::net::SocketAddr;

use serde::Deserialize;

use crate::config::ConfigError;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ClusterSection {
    /// This replica's name among the others (default: the host name;
    /// Kubernetes passes the pod name).
    pub(crate) node_id: String,
    /// `host:port` where other replicas reach this one's HTTP listener
    /// (default: `http_addr`, unless it listens on every interface).
    pub(crate) advertise_http: Option<String>,
    /// `host:port` where other replicas and streamers reach this one's RTMP
    /// listener (default: `rtmp_addr`, unless it listens on every interface).
    pub(crate) advertise_rtmp: Option<String>,
    /// Shared by every replica; authenticates replica-to-replica traffic.
    pub(crate) secret: Option<String>,
    /// Prefix of every Redis key this cluster uses.
    pub(crate) key_prefix: String,
    /// Seconds a pull from another replica is kept with no local viewer.
    pub(crate) pull_idle_secs: f64,
    /// Seconds a room's event and command streams live after their last
    /// write (`ClusterConfig::streams_ttl`).
    pub(crate) streams_ttl_secs: f64,
    /// Seconds a lease's epoch counter lives after its last claim
    /// (`ClusterConfig::epoch_ttl`).
    pub(crate) epoch_ttl_secs: f64,
}

impl Default for ClusterSection {
    fn default() -> ClusterSection {
        ClusterSection {
            node_id: host_name(),
            advertise_http: None,
            advertise_rtmp: None,
            secret: None,
            key_prefix: "synctv:".into(),
            pull_idle_secs: 300.0,
            streams_ttl_secs: cluster::STREAMS_TTL.as_secs_f64(),
            epoch_ttl_secs: cluster::EPOCH_TTL.as_secs_f64(),
        }
    }
}

/// Where this replica is reached, once defaults are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Advertised {
    pub(crate) http: String,
    pub(crate) rtmp: String,
}

impl ClusterSection {
    /// Checks what cluster mode needs; `database_url` is the configured
    /// database (cluster mode keeps durable data in PostgreSQL only).
    pub(crate) fn validate(&self, database_url: Option<&str>) -> Result<(), ConfigError> {
        let postgres = database_url
            .is_some_and(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"));
        if !postgres {
            return Err(invalid(
                "cluster mode (redis_url) needs PostgreSQL: set database_url to postgres://…",
            ));
        }
        if self.node_id.is_empty() || self.node_id.contains(char::is_whitespace) {
            return Err(invalid("cluster.node_id must be a non-empty word"));
        }
        if self.secret.as_deref().is_none_or(|s| s.len() < 16) {
            return Err(invalid(
                "cluster mode needs cluster.secret, at least 16 characters, the same on every replica",
            ));
        }
        if self.key_prefix.is_empty() {
            return Err(invalid("cluster.key_prefix must not be empty"));
        }
        if self.pull_idle_secs < 0.0 || !crate::config::sane_secs(self.pull_idle_secs) {
            return Err(invalid("cluster.pull_idle_secs is out of range"));
        }
        self.validate_ttls()
    }

    /// The Redis TTLs: finite and positive (checked standalone too, since
    /// the cluster seams are built from them in either mode).
    pub(crate) fn validate_ttls(&self) -> Result<(), ConfigError> {
        let ttls = [
            ("cluster.streams_ttl_secs", self.streams_ttl_secs),
            ("cluster.epoch_ttl_secs", self.epoch_ttl_secs),
        ];
        if let Some((key, _)) = ttls
            .iter()
            .find(|(_, v)| *v <= 0.0 || !crate::config::sane_secs(*v))
        {
            return Err(ConfigError::Invalid(format!("{key} is out of range")));
        }
        Ok(())
    }

    /// The addresses other replicas use, from the advertised settings or
    /// the listeners when those name one interface.
    pub(crate) fn advertised(
        &self,
        http_addr: SocketAddr,
        rtmp_addr: SocketAddr,
    ) -> Result<Advertised, ConfigError> {
        Ok(Advertised {
            http: advertise("http", self.advertise_http.as_deref(), http_addr)?,
            rtmp: advertise("rtmp", self.advertise_rtmp.as_deref(), rtmp_addr)?,
        })
    }
}

fn advertise(what: &str, given: Option<&str>, listen: SocketAddr) -> Result<String, ConfigError> {
    match given {
        Some(addr) if !addr.is_empty() => Ok(addr.to_owned()),
        _ if listen.ip().is_unspecified() => Err(ConfigError::Invalid(format!(
            "cluster.advertise_{what} is needed: {what}_addr {listen} listens on every \
             interface, so other replicas cannot know which address reaches this one"
        ))),
        _ => Ok(listen.to_string()),
    }
}

fn invalid(message: &str) -> ConfigError {
    ConfigError::Invalid(message.to_owned())
}

/// The machine's name (a pod's name under Kubernetes), or `synctv`.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "synctv".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(secret: &str) -> ClusterSection {
        ClusterSection {
            secret: Some(secret.into()),
            ..ClusterSection::default()
        }
    }

    #[test]
    fn cluster_mode_refuses_sqlite_and_a_missing_or_short_secret() {
        let good = section("0123456789abcdef");
        let err = good.validate(None).unwrap_err().to_string();
        assert!(err.contains("PostgreSQL"), "{err}");
        let err = good
            .validate(Some("sqlite://x.db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("PostgreSQL"), "{err}");
        good.validate(Some("postgres://postgres@127.0.0.1/db"))
            .unwrap();
        let err = section("short")
            .validate(Some("postgres://h/db"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cluster.secret"), "{err}");
    }

    #[test]
    fn advertised_addresses_default_to_listeners_that_name_one_interface() {
        let cluster = ClusterSection::default();
        let one: SocketAddr = "127.0.0.2:8080".parse().unwrap();
        let rtmp: SocketAddr = "127.0.0.2:1935".parse().unwrap();
        let ads = cluster.advertised(one, rtmp).unwrap();
        assert_eq!(ads.http, "127.0.0.2:8080");
        assert_eq!(ads.rtmp, "127.0.0.2:1935");
        let all: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let err = cluster.advertised(all, rtmp).unwrap_err().to_string();
        assert!(err.contains("cluster.advertise_http"), "{err}");
        let given = ClusterSection {
            advertise_http: Some("pod-1.synctv:8080".into()),
            ..ClusterSection::default()
        };
        assert_eq!(
            given.advertised(all, rtmp).unwrap().http,
            "pod-1.synctv:8080"
        );
    }

    #[test]
    fn redis_ttls_default_to_a_day_and_a_week_and_must_be_finite_and_positive() {
        let db = Some("postgres://h/db");
        let good = section("0123456789abcdef");
        assert_eq!(good.streams_ttl_secs, 86_400.0);
        assert_eq!(good.epoch_ttl_secs, 604_800.0);
        for (streams, epoch, bad) in [
            (0.0, 60.0, "cluster.streams_ttl_secs"),
            (60.0, -1.0, "cluster.epoch_ttl_secs"),
            (f64::INFINITY, 60.0, "cluster.streams_ttl_secs"),
            (60.0, f64::NAN, "cluster.epoch_ttl_secs"),
        ] {
            let section = ClusterSection {
                streams_ttl_secs: streams,
                epoch_ttl_secs: epoch,
                ..good.clone()
            };
            let err = section.validate(db).unwrap_err().to_string();
            assert!(err.contains(bad), "{streams} {epoch}: {err}");
        }
    }

    #[test]
    fn a_node_id_defaults_to_the_host_name() {
        assert!(!ClusterSection::default().node_id.is_empty());
    }
}
