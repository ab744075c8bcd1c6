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

    /// Whether a viewer may play `stream` with the play token it gave
    /// (`?token=…` on FLV, HLS and RTMP play URLs). Open by default.
    fn may_play<'a>(&'a self, stream: &'a str, token: Option<&'a str>) -> BoxFuture<'a, bool> {
        let _ = (stream, token);
        Box::pin(std::future::ready(true))
    }
}

/// Splits `name?query` and finds `token=…` in the query.
pub fn split_play_token(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((name, query)) => (name, play_token(query)),
        None => (target, None),
    }
}

/// The `token=…` of a query string, if any.
pub fn play_token(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|token| !token.is_empty())
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

    #[test]
    fn play_tokens_come_from_the_query() {
        assert_eq!(split_play_token("r1"), ("r1", None));
        assert_eq!(split_play_token("r1?token=abc"), ("r1", Some("abc")));
        assert_eq!(
            split_play_token("/flv/r1.flv?x=1&token=t"),
            ("/flv/r1.flv", Some("t"))
        );
        assert_eq!(split_play_token("r1?token="), ("r1", None));
    }

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
