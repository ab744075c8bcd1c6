//! One stream run's upload task: uploads its segments as they come, then,
//! after the stream ended and the grace period passed, deletes them.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStoreExt, PutOptions, PutPayload};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::uploader::Shared;

/// A finished segment to upload.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) seq: u64,
    pub(crate) data: Bytes,
}

/// Runs until `jobs` closes (the stream ended), then deletes the run's
/// objects once the grace period is over.
pub(crate) async fn run(shared: Arc<Shared>, stream: String, run: u64, jobs: mpsc::Receiver<Job>) {
    let folder = format!("{stream}/{}", run_name());
    shared.registry.begin(&stream, run, folder.clone());
    let sent = upload_all(&shared, &stream, run, &folder, jobs).await;
    tokio::time::sleep(shared.config.grace).await;
    shared.registry.forget(&stream, run);
    delete_all(&shared, &stream, &folder, &sent).await;
}

/// Uploads every queued segment; returns the sequence numbers tried.
async fn upload_all(
    shared: &Arc<Shared>,
    stream: &str,
    run: u64,
    folder: &str,
    mut jobs: mpsc::Receiver<Job>,
) -> Vec<u64> {
    let mut sent = Vec::new();
    let mut uploads = JoinSet::new();
    while let Some(job) = jobs.recv().await {
        while uploads.try_join_next().is_some() {}
        let Ok(permit) = shared.permits.clone().acquire_owned().await else {
            break;
        };
        sent.push(job.seq);
        let path = object_path(shared, folder, job.seq);
        let (shared, stream) = (shared.clone(), stream.to_owned());
        uploads.spawn(async move {
            upload(&shared, &stream, run, job, path).await;
            drop(permit);
        });
    }
    while uploads.join_next().await.is_some() {}
    sent
}

async fn upload(shared: &Shared, stream: &str, run: u64, job: Job, path: Path) {
    let size = job.data.len();
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, "video/mp2t".into());
    attributes.insert(Attribute::CacheControl, "public, max-age=3600".into());
    let options = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    let payload = PutPayload::from_bytes(job.data);
    match shared.store.put_opts(&path, payload, options).await {
        Ok(_) => {
            shared.figures.uploaded(size);
            shared.registry.mark_uploaded(stream, run, job.seq);
        }
        Err(e) => {
            shared.figures.upload_failed();
            shared.registry.mark_failed();
            tracing::warn!(
                stream,
                seq = job.seq,
                error = %e,
                "segment upload to object storage failed: HLS is served from this replica"
            );
        }
    }
}

async fn delete_all(shared: &Shared, stream: &str, folder: &str, sent: &[u64]) {
    let mut failed = 0usize;
    for &seq in sent {
        let Ok(_permit) = shared.permits.acquire().await else {
            return;
        };
        let path = object_path(shared, folder, seq);
        match shared.store.delete(&path).await {
            Ok(()) => shared.figures.deleted(),
            Err(e) => {
                failed += 1;
                shared.figures.delete_failed();
                tracing::debug!(stream, seq, error = %e, "deleting a segment object failed");
            }
        }
    }
    if failed > 0 {
        tracing::warn!(
            stream,
            failed,
            "some segment objects of an ended stream could not be deleted"
        );
    } else {
        tracing::info!(
            stream,
            objects = sent.len(),
            "deleted the objects of an ended stream"
        );
    }
}

fn object_path(shared: &Shared, folder: &str, seq: u64) -> Path {
    Path::from(format!("{}/{folder}/{seq}.ts", shared.config.folder()))
}

/// A name for one run of a stream, unique across replicas and restarts:
/// the start time in milliseconds and 32 random bits, in hex.
fn run_name() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut random = [0u8; 4];
    // Without randomness the time alone still tells runs apart.
    let _ = getrandom::getrandom(&mut random);
    format!("{millis:x}-{:08x}", u32::from_be_bytes(random))
}
