//! One fetch per HLS file at a time: when players on this replica ask for
//! the same uncached playlist or segment at once, the first request fetches
//! it from the owner and the others wait for that answer, so the owner gets
//! one request per file however many players ask.
//!
//! The fetch runs on a task of its own: a player that goes away does not
//! cancel it for the others waiting.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use live::RemoteHls;
use tokio::sync::watch;

use crate::lock;

type Key = (String, String);

/// The fetches running now, by (stream, file).
#[derive(Debug, Clone, Default)]
pub(crate) struct Flights {
    running: Arc<Mutex<HashMap<Key, watch::Receiver<Option<RemoteHls>>>>>,
}

impl Flights {
    /// The answer of the fetch of `file` of `stream` running now, or of
    /// `fetch`, started now if none runs.
    pub(crate) async fn join<F>(&self, stream: &str, file: &str, fetch: F) -> RemoteHls
    where
        F: Future<Output = RemoteHls> + Send + 'static,
    {
        let mut answer = self.running_or_start((stream.to_owned(), file.to_owned()), fetch);
        let answered = match answer.wait_for(Option::is_some).await {
            Ok(answer) => answer.clone(),
            // The fetch's task ended without an answer (the runtime stops).
            Err(_) => None,
        };
        answered.unwrap_or(RemoteHls::Unavailable)
    }

    fn running_or_start<F>(&self, key: Key, fetch: F) -> watch::Receiver<Option<RemoteHls>>
    where
        F: Future<Output = RemoteHls> + Send + 'static,
    {
        let mut running = lock(&self.running);
        if let Some(answer) = running.get(&key) {
            // A fetch whose task is gone has no answer coming: start anew.
            if answer.has_changed().is_ok() {
                return answer.clone();
            }
        }
        let (tx, answer) = watch::channel(None);
        running.insert(key.clone(), answer.clone());
        let running = self.running.clone();
        tokio::spawn(async move {
            let fetched = fetch.await;
            lock(&running).remove(&key);
            let _ = tx.send(Some(fetched));
        });
        answer
    }

    /// Fetches running now.
    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.running).len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use bytes::Bytes;

    use super::*;

    #[tokio::test]
    async fn concurrent_joins_share_one_fetch_and_a_later_one_fetches_again() {
        let flights = Flights::default();
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let fetch = || {
            let fetches = fetches.clone();
            let mut released = released.clone();
            async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                let _ = released.wait_for(|r| *r).await;
                RemoteHls::Found(Bytes::from_static(b"segment"))
            }
        };
        let waiting: Vec<_> = (0..5)
            .map(|_| {
                let flights = flights.clone();
                let fetch = fetch();
                tokio::spawn(async move { flights.join("s", "1.ts", fetch).await })
            })
            .collect();
        // Every join is in before the fetch answers.
        while flights.len() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = release.send(true);
        for joined in waiting {
            let answer = joined.await.ok();
            assert_eq!(
                answer,
                Some(RemoteHls::Found(Bytes::from_static(b"segment")))
            );
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(flights.len(), 0, "a finished fetch is forgotten");
        flights.join("s", "1.ts", fetch()).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
