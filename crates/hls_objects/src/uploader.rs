//! The [`SegmentSink`] the live engine calls: it hands each stream run's
//! segments to that run's upload task and answers playlist rewrites.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use live::{FinishedSegment, SegmentSink};
use object_store::ObjectStore;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, Semaphore};

use crate::registry::Registry;
use crate::store::{self, Place};
use crate::stream_task::{self, Job};
use crate::{Figures, StorageConfig, StorageError};

/// Segments one stream may have waiting for upload; more are not uploaded
/// (they stay on the replica).
const QUEUE_SEGMENTS: usize = 32;

/// What every upload task shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn ObjectStore>,
    pub(crate) registry: Registry,
    pub(crate) figures: Arc<Figures>,
    /// Requests in flight, for all streams together.
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) config: StorageConfig,
}

/// Uploads every finished HLS segment to object storage.
#[derive(Debug)]
pub struct SegmentUploader {
    shared: Arc<Shared>,
    /// The queue of each stream run with an upload task.
    queues: Mutex<HashMap<(String, u64), mpsc::Sender<Job>>>,
    runtime: Handle,
}

impl SegmentUploader {
    /// An uploader for `config`, its tasks on the current tokio runtime.
    pub fn start(config: StorageConfig) -> Result<Arc<SegmentUploader>, StorageError> {
        config.validate()?;
        let runtime = Handle::try_current().map_err(|_| StorageError::NoRuntime)?;
        let place = Place::resolve(&config, |name| std::env::var(name).ok());
        let store = store::build(&config, &place)?;
        tracing::info!(
            bucket = %config.bucket,
            urls = %place.url_base,
            grace_secs = config.grace.as_secs_f64(),
            "HLS segments go to object storage"
        );
        let shared = Shared {
            store,
            registry: Registry::new(place.url_base),
            figures: Arc::default(),
            permits: Arc::new(Semaphore::new(config.concurrency)),
            config,
        };
        Ok(Arc::new(SegmentUploader {
            shared: Arc::new(shared),
            queues: Mutex::default(),
            runtime,
        }))
    }

    /// What it did so far.
    pub fn figures(&self) -> &Arc<Figures> {
        &self.shared.figures
    }

    /// Whether the last upload succeeded (playlists name store URLs).
    pub fn is_healthy(&self) -> bool {
        self.shared.registry.is_healthy()
    }

    fn queue_of(&self, stream: &str, run: u64) -> mpsc::Sender<Job> {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        let key = (stream.to_owned(), run);
        if let Some(queue) = queues.get(&key) {
            return queue.clone();
        }
        let (queue, jobs) = mpsc::channel(QUEUE_SEGMENTS);
        let task = stream_task::run(self.shared.clone(), stream.to_owned(), run, jobs);
        self.runtime.spawn(task);
        queues.insert(key, queue.clone());
        queue
    }
}

impl SegmentSink for SegmentUploader {
    fn handle_segment(&self, segment: FinishedSegment) {
        let queue = self.queue_of(&segment.stream, segment.run);
        let job = Job {
            seq: segment.seq,
            data: segment.data,
        };
        if queue.try_send(job).is_err() {
            self.shared.figures.dropped();
            tracing::warn!(
                stream = %segment.stream,
                seq = segment.seq,
                "upload queue full: the segment is served from this replica only"
            );
        }
    }

    fn handle_end(&self, stream: &str, run: u64) {
        // Dropping the queue lets the task finish what is queued, wait the
        // grace period and delete the run's objects.
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        queues.remove(&(stream.to_owned(), run));
    }

    fn rewrite_playlist(&self, stream: &str, run: u64, playlist: &Bytes) -> Option<Bytes> {
        self.shared.registry.rewrite(stream, run, playlist)
    }

    fn figures(&self) -> String {
        self.shared.figures.render(self.is_healthy())
    }
}
