//! The S3 client, built from the configuration and the usual `AWS_*`
//! environment variables, and the public address of what it stores.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use crate::{StorageConfig, StorageError};

/// Where the store is and what URL its objects have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) endpoint: Option<String>,
    pub(crate) region: String,
    /// `{base}/{prefix}`: a segment's URL is this, `/`, its folder and name.
    pub(crate) url_base: String,
}

impl Place {
    /// The endpoint and region from the configuration, else from `env`
    /// (`AWS_ENDPOINT_URL`, `AWS_REGION`, …), and the URL base derived.
    pub(crate) fn resolve(config: &StorageConfig, env: impl Fn(&str) -> Option<String>) -> Place {
        let endpoint = config
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .or_else(|| env("AWS_ENDPOINT"))
            .map(|e| e.trim_end_matches('/').to_owned());
        let region = config
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into());
        let base = match (&config.public_base_url, &endpoint) {
            (Some(public), _) => public.trim_end_matches('/').to_owned(),
            (None, Some(endpoint)) => format!("{endpoint}/{}", config.bucket),
            (None, None) => format!("https://{}.s3.{region}.amazonaws.com", config.bucket),
        };
        Place {
            url_base: format!("{base}/{}", config.folder()),
            endpoint,
            region,
        }
    }
}

/// The S3 client for `config` at `place`.
pub(crate) fn build(
    config: &StorageConfig,
    place: &Place,
) -> Result<Arc<dyn ObjectStore>, StorageError> {
    let retry = RetryConfig {
        max_retries: config.retries,
        retry_timeout: config.timeout * (config.retries as u32 + 1),
        ..RetryConfig::default()
    };
    let options = ClientOptions::new()
        .with_timeout(config.timeout)
        .with_connect_timeout(config.timeout.min(std::time::Duration::from_secs(5)));
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&config.bucket)
        .with_region(&place.region)
        .with_retry(retry)
        .with_client_options(options);
    if let Some(endpoint) = &place.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    if let Some(key_id) = &config.access_key_id {
        builder = builder.with_access_key_id(key_id);
    }
    if let Some(secret) = &config.secret_access_key {
        builder = builder.with_secret_access_key(secret.expose());
    }
    // The builder's errors name settings, not their values.
    let store = builder
        .build()
        .map_err(|e| StorageError::Store(e.to_string()))?;
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn store_urls_follow_the_endpoint_the_cdn_or_aws() {
        let mut config = StorageConfig::new("segs");
        let aws = Place::resolve(&config, no_env);
        assert_eq!(aws.url_base, "https://segs.s3.us-east-1.amazonaws.com/hls");
        config.endpoint = Some("http://127.0.0.1:9000/".into());
        let local = Place::resolve(&config, no_env);
        assert_eq!(local.url_base, "http://127.0.0.1:9000/segs/hls");
        assert_eq!(local.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        config.public_base_url = Some("https://cdn.example.com/".into());
        config.prefix = "/live/".into();
        let cdn = Place::resolve(&config, no_env);
        assert_eq!(cdn.url_base, "https://cdn.example.com/live");
    }

    #[test]
    fn the_environment_fills_what_the_configuration_leaves_out() {
        let env = |name: &str| match name {
            "AWS_REGION" => Some("eu-west-3".to_owned()),
            "AWS_ENDPOINT_URL" => Some("https://objects.example.net".to_owned()),
            _ => None,
        };
        let place = Place::resolve(&StorageConfig::new("b"), env);
        assert_eq!(place.region, "eu-west-3");
        assert_eq!(place.url_base, "https://objects.example.net/b/hls");
        let mut config = StorageConfig::new("b");
        config.region = Some("ap-south-1".into());
        assert_eq!(Place::resolve(&config, env).region, "ap-south-1");
    }
}
