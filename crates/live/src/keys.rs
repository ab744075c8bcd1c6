use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that [`StreamKeys`] can be a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Decides which stream a publisher's key feeds.
///
/// Standalone, keys come from the configuration ([`StaticKeys`]); rooms
/// implement this trait with their own rotatable keys.
pub trait StreamKeys: Send + Sync + 'static {
    /// The stream that `key` publishes to, or `None` to refuse it.
    fn resolve<'a>(&'a self, app: &'a str, key: &'a str) -> BoxFuture<'a, Option<String>>;
}

/// Keys from the configuration file: `[[live.keys]] stream = "S" key = "…"`.
#[derive(Debug, Default, Clone)]
pub struct StaticKeys {
    streams_by_key: HashMap<String, String>,
}

impl StaticKeys {
    pub fn new(entries: impl IntoIterator<Item = (String, String)>) -> StaticKeys {
        StaticKeys {
            streams_by_key: entries
                .into_iter()
                .map(|(stream, key)| (key, stream))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.streams_by_key.is_empty()
    }
}

impl StreamKeys for StaticKeys {
    fn resolve<'a>(&'a self, app: &'a str, key: &'a str) -> BoxFuture<'a, Option<String>> {
        let stream = (app == crate::APP)
            .then(|| self.streams_by_key.get(key).cloned())
            .flatten();
        Box::pin(std::future::ready(stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_configured_key_publishes_its_stream_and_nothing_else_does() {
        let keys = StaticKeys::new([("show".to_owned(), "s3cret".to_owned())]);
        assert_eq!(
            keys.resolve("live", "s3cret").await.as_deref(),
            Some("show")
        );
        assert_eq!(keys.resolve("live", "show").await, None);
        assert_eq!(keys.resolve("other", "s3cret").await, None);
    }
}
