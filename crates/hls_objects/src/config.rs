//! What the uploader is told: where the store is, how to reach it, and how
//! long objects outlive their stream.

use std::fmt;
use std::time::Duration;

use crate::StorageError;

/// A credential: shown as `***` by `Debug`, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An S3-compatible store for HLS segments.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageConfig {
    /// `http(s)://host[:port]` of an S3-compatible service; absent: AWS S3
    /// (or `AWS_ENDPOINT_URL` from the environment).
    pub endpoint: Option<String>,
    pub bucket: String,
    /// Absent: `AWS_REGION` / `AWS_DEFAULT_REGION`, else `us-east-1`.
    pub region: Option<String>,
    /// Absent: `AWS_ACCESS_KEY_ID` (and the rest of the usual chain).
    pub access_key_id: Option<String>,
    /// Absent: `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<Secret>,
    /// Base of the URLs playlists name (a CDN domain); absent: the
    /// endpoint and bucket (path style), or the bucket's AWS address.
    pub public_base_url: Option<String>,
    /// Folder of every object: `{prefix}/{stream}/{run}/{seq}.ts`.
    pub prefix: String,
    /// How long a stream's objects stay after it ends.
    pub grace: Duration,
    /// Uploads and deletes in flight at once, for all streams together.
    pub concurrency: usize,
    /// Retries of a failed request before it counts as failed.
    pub retries: usize,
    /// Longest time one request may take.
    pub timeout: Duration,
}

impl StorageConfig {
    /// A store for `bucket` with the defaults.
    pub fn new(bucket: impl Into<String>) -> StorageConfig {
        StorageConfig {
            endpoint: None,
            bucket: bucket.into(),
            region: None,
            access_key_id: None,
            secret_access_key: None,
            public_base_url: None,
            prefix: "hls".into(),
            grace: Duration::from_secs(3600),
            concurrency: 16,
            retries: 3,
            timeout: Duration::from_secs(10),
        }
    }

    /// Checks the settings a store cannot be built without.
    pub fn validate(&self) -> Result<(), StorageError> {
        let invalid = |reason: &str| Err(StorageError::Invalid(reason.to_owned()));
        if self.bucket.is_empty() || self.bucket.contains(['/', ' ']) {
            return invalid("bucket must be a bucket name");
        }
        for (name, url) in [
            ("endpoint", &self.endpoint),
            ("public_base_url", &self.public_base_url),
        ] {
            let Some(url) = url else { continue };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(StorageError::Invalid(format!(
                    "{name} must start with http:// or https://"
                )));
            }
        }
        if !is_key_path(&self.prefix) {
            return invalid("prefix must be letters, digits, '-', '_', '.' and '/'");
        }
        if self.concurrency == 0 {
            return invalid("concurrency must be at least 1");
        }
        if self.timeout.is_zero() {
            return invalid("timeout must be more than 0");
        }
        Ok(())
    }

    /// The prefix without leading or trailing slashes.
    pub(crate) fn folder(&self) -> &str {
        self.prefix.trim_matches('/')
    }
}

/// Whether `prefix` is safe both as object key and in a URL.
fn is_key_path(prefix: &str) -> bool {
    let folder = prefix.trim_matches('/');
    !folder.is_empty()
        && folder.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let mut config = StorageConfig::new("b");
        config.secret_access_key = Some(Secret::new("very-secret-words"));
        let text = format!("{config:?}");
        assert!(!text.contains("very-secret-words"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        assert!(StorageConfig::new("segments").validate().is_ok());
        assert!(StorageConfig::new("").validate().is_err());
        let mut bad_endpoint = StorageConfig::new("b");
        bad_endpoint.endpoint = Some("127.0.0.1:9000".into());
        assert!(bad_endpoint.validate().is_err());
        for prefix in ["", "/", "a/../b", "a b", "a//b", "x?y"] {
            let mut config = StorageConfig::new("b");
            config.prefix = prefix.into();
            assert!(config.validate().is_err(), "{prefix:?}");
        }
        let mut nested = StorageConfig::new("b");
        nested.prefix = "/live/hls/".into();
        assert!(nested.validate().is_ok());
        assert_eq!(nested.folder(), "live/hls");
    }
}
