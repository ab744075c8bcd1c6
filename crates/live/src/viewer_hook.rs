//! What the live engine tells the layer above about its viewers (HTTP-FLV
//! and RTMP players, never relays): whether one may play here, and when
//! one starts and stops. Its play URL's `viewer=` names it; the layer
//! above counts an open connection as that viewer's heartbeat. Nothing is
//! installed standalone without stages, and then nothing is asked.

use std::sync::Arc;

use crate::keys::BoxFuture;
use crate::Live;

/// The layer above's view of viewers; see the module documentation.
pub trait ViewerHook: Send + Sync + 'static {
    /// Whether a viewer may play `stream` here with `token` (already
    /// checked as the room's); why not otherwise.
    fn admit<'a>(
        &'a self,
        stream: &'a str,
        token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(), PlayRefusal>>;
    /// Viewer `viewer` started playing `stream` here.
    fn attached(&self, stream: &str, viewer: &str);
    /// It stopped (its connection ended).
    fn detached(&self, stream: &str, viewer: &str);
}

/// Why a viewer may not play here: a machine-readable code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayRefusal {
    pub code: &'static str,
    pub message: String,
}

/// Held while a viewer plays; tells the hook when it stops.
pub struct Attached {
    hook: Arc<dyn ViewerHook>,
    stream: String,
    viewer: String,
}

impl Drop for Attached {
    fn drop(&mut self) {
        self.hook.detached(&self.stream, &self.viewer);
    }
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached")
            .field("stream", &self.stream)
            .field("viewer", &self.viewer)
            .finish()
    }
}

/// The `viewer=…` of a query string: 1 to 64 ASCII letters and digits.
pub fn viewer_param(query: &str) -> Option<&str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("viewer="))
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl Live {
    /// Installs the viewer hook (once; a second call is ignored and
    /// returns false).
    pub fn set_viewer_hook(&self, hook: Arc<dyn ViewerHook>) -> bool {
        self.viewer_hook.set(hook).is_ok()
    }

    /// Asks the hook, if any, whether a viewer may play `stream` here.
    pub async fn admit_viewer(&self, stream: &str, token: Option<&str>) -> Result<(), PlayRefusal> {
        match self.viewer_hook.get() {
            Some(hook) => hook.admit(stream, token).await,
            None => Ok(()),
        }
    }

    /// Tells the hook a viewer with `viewer=` in `query` plays `stream`
    /// until the returned guard drops.
    pub(crate) fn attach_viewer(&self, stream: &str, query: &str) -> Option<Attached> {
        let hook = self.viewer_hook.get()?.clone();
        let viewer = viewer_param(query)?.to_owned();
        hook.attached(stream, &viewer);
        Some(Attached {
            hook,
            stream: stream.to_owned(),
            viewer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_viewer_comes_from_the_query_and_odd_ids_are_ignored() {
        assert_eq!(viewer_param("token=t&viewer=a0f1"), Some("a0f1"));
        assert_eq!(viewer_param("viewer=u12"), Some("u12"));
        assert_eq!(viewer_param("token=t"), None);
        assert_eq!(viewer_param("viewer="), None);
        assert_eq!(viewer_param("viewer=a%26b"), None);
        assert_eq!(viewer_param(&format!("viewer={}", "a".repeat(65))), None);
    }
}
