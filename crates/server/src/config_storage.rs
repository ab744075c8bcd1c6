//! The `[live.storage]` section: HLS segments in an S3-compatible object
//! store (docs/object-storage.md). Absent: segments are served from memory.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::config::{sane_secs, ConfigError};

/// A credential read from the file or the environment: `Debug` shows
/// `***`, so printing the configuration never shows it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub(crate) struct SecretText(String);

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StorageSection {
    /// `http(s)://host[:port]` of an S3-compatible service (absent: AWS S3
    /// or `AWS_ENDPOINT_URL`).
    pub(crate) endpoint: Option<String>,
    pub(crate) bucket: String,
    /// Absent: `AWS_REGION`, else us-east-1.
    pub(crate) region: Option<String>,
    /// Absent: `AWS_ACCESS_KEY_ID`.
    pub(crate) access_key_id: Option<String>,
    /// Absent: `AWS_SECRET_ACCESS_KEY`.
    pub(crate) secret_access_key: Option<SecretText>,
    /// Base of segment URLs in playlists (a CDN domain).
    pub(crate) public_base_url: Option<String>,
    /// Folder of every object in the bucket.
    pub(crate) prefix: String,
    /// Seconds a stream's objects stay after it ends.
    pub(crate) grace_secs: f64,
    /// Uploads and deletes in flight at once.
    pub(crate) concurrency: usize,
    /// Retries of a failed request.
    pub(crate) retries: usize,
    /// Seconds one request may take.
    pub(crate) timeout_secs: f64,
}

impl Default for StorageSection {
    fn default() -> StorageSection {
        let defaults = hls_objects::StorageConfig::new("");
        StorageSection {
            endpoint: None,
            bucket: String::new(),
            region: None,
            access_key_id: None,
            secret_access_key: None,
            public_base_url: None,
            prefix: defaults.prefix,
            grace_secs: defaults.grace.as_secs_f64(),
            concurrency: defaults.concurrency,
            retries: defaults.retries,
            timeout_secs: defaults.timeout.as_secs_f64(),
        }
    }
}

impl StorageSection {
    /// The uploader's settings, or what is wrong with them.
    pub(crate) fn storage_config(&self) -> Result<hls_objects::StorageConfig, ConfigError> {
        let invalid =
            |key: &str| ConfigError::Invalid(format!("live.storage.{key} is out of range"));
        if self.grace_secs < 0.0 || !sane_secs(self.grace_secs) {
            return Err(invalid("grace_secs"));
        }
        if self.timeout_secs <= 0.0 || !sane_secs(self.timeout_secs) {
            return Err(invalid("timeout_secs"));
        }
        if self.retries > 10 {
            return Err(invalid("retries"));
        }
        let config = hls_objects::StorageConfig {
            endpoint: self.endpoint.clone().filter(|e| !e.is_empty()),
            bucket: self.bucket.clone(),
            region: self.region.clone().filter(|r| !r.is_empty()),
            access_key_id: self.access_key_id.clone().filter(|k| !k.is_empty()),
            secret_access_key: self
                .secret_access_key
                .as_ref()
                .filter(|s| !s.0.is_empty())
                .map(|s| hls_objects::Secret::new(s.0.clone())),
            public_base_url: self.public_base_url.clone().filter(|u| !u.is_empty()),
            prefix: self.prefix.clone(),
            grace: Duration::from_secs_f64(self.grace_secs),
            concurrency: self.concurrency,
            retries: self.retries,
            timeout: Duration::from_secs_f64(self.timeout_secs),
        };
        config
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn load(toml: &str, env: &[(&str, &str)]) -> Result<Config, crate::config::ConfigError> {
        let dir = std::env::temp_dir().join(format!("synctv-storage-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{n}.toml"));
        std::fs::write(&path, toml).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::load(Some(&path), env)
    }

    #[test]
    fn storage_is_off_unless_configured() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.live.storage, None);
    }

    #[test]
    fn the_section_comes_from_the_file_and_the_environment() {
        let toml = "[live.storage]\nbucket = \"segs\"\nendpoint = \"http://127.0.0.1:9000\"\n";
        let env = [("SYNCTV_LIVE__STORAGE__GRACE_SECS", "5")];
        let config = load(toml, &env).unwrap();
        let storage = config.live.storage.expect("a storage section");
        let settings = storage.storage_config().unwrap();
        assert_eq!(settings.bucket, "segs");
        assert_eq!(settings.grace.as_secs(), 5);
        assert_eq!(settings.prefix, "hls");
        let only_env = load(
            "",
            &[
                ("SYNCTV_LIVE__STORAGE__BUCKET", "b2"),
                ("SYNCTV_LIVE__STORAGE__SECRET_ACCESS_KEY", "hush-hush-value"),
            ],
        )
        .unwrap();
        assert!(!format!("{only_env:?}").contains("hush-hush-value"));
        let storage = only_env.live.storage.expect("a storage section");
        assert_eq!(storage.bucket, "b2");
        let secret = storage.storage_config().unwrap().secret_access_key;
        assert_eq!(secret, Some(hls_objects::Secret::new("hush-hush-value")));
    }

    #[test]
    fn a_section_that_cannot_work_is_refused_at_load() {
        for toml in [
            "[live.storage]\nendpoint = \"http://127.0.0.1:9000\"\n",
            "[live.storage]\nbucket = \"b\"\nendpoint = \"127.0.0.1:9000\"\n",
            "[live.storage]\nbucket = \"b\"\ngrace_secs = -1\n",
            "[live.storage]\nbucket = \"b\"\nconcurrency = 0\n",
            "[live.storage]\nbucket = \"b\"\nprefix = \"../x\"\n",
            "[live.storage]\nbucket = \"b\"\nunknown = 1\n",
        ] {
            let err = load(toml, &[]).expect_err(toml);
            assert!(
                err.to_string().contains("live.storage") || err.to_string().contains("unknown"),
                "{toml}: {err}"
            );
        }
    }
}
