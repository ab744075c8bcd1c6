//! HLS of a stream owned by another replica: fetched from the owner's
//! HTTP listener with a relay header (in place of a play token: the
//! viewer's own token was checked on the replica it talks to) and cached.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use live::RemoteHls;

use crate::{lock, unix_secs, Inner, Owner, RelayError};

/// The largest HLS file taken from an owner.
const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

pub(crate) type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// An HTTP/1.1 client without TLS: replicas talk over the cluster network.
pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// `file` of `stream` from its owner, or why not.
pub(crate) async fn fetch(inner: &Arc<Inner>, stream: &str, file: &str) -> RemoteHls {
    if !live::is_stream_name(stream) || !is_hls_file(file) {
        return RemoteHls::Missing;
    }
    if let Some(body) = lock(&inner.cache).lookup(stream, file, Instant::now()) {
        return RemoteHls::Found(body);
    }
    let fetch = {
        let (inner, stream, file) = (inner.clone(), stream.to_owned(), file.to_owned());
        async move { from_owner(&inner, &stream, &file).await }
    };
    inner.flights.join(stream, file, fetch).await
}

/// `file` of `stream` from the owner the lease names, cached when found.
async fn from_owner(inner: &Arc<Inner>, stream: &str, file: &str) -> RemoteHls {
    let holder = match inner.cluster.streams.holder(stream).await {
        Ok(holder) => holder,
        Err(e) => {
            tracing::warn!(stream, error = %e, "cannot ask who owns the stream");
            return RemoteHls::Unavailable;
        }
    };
    let Some(holder) = holder else {
        return ended_or_not_live(inner, stream);
    };
    let owner = holder.lease.node;
    if owner == inner.node() {
        return RemoteHls::Missing;
    }
    let node = match inner.owner_node(&owner).await {
        Ok(Owner::Live(node)) => node,
        Ok(Owner::Dead) => {
            inner.mark_ended(stream);
            return RemoteHls::Ended;
        }
        // The registry lost records: the owner announces itself again soon.
        Ok(Owner::Unsure) | Err(_) => return RemoteHls::Unavailable,
    };
    inner.note_remote_owner(stream, &owner);
    let url = format!("http://{}/hls/{stream}/{file}", node.http_addr);
    match get(inner, &url, stream).await {
        Ok(body) => {
            // Live on a node that answers: whatever ended before is over.
            inner.forget_ended(stream);
            lock(&inner.cache).handle_fetched(stream, file, body.clone(), Instant::now());
            RemoteHls::Found(body)
        }
        Err(RelayError::Status { status: 404, .. }) => RemoteHls::Missing,
        Err(RelayError::Unreachable { addr }) => {
            tracing::info!(
                stream,
                owner,
                addr,
                "the owner is unreachable: stream ended"
            );
            inner.mark_ended(stream);
            RemoteHls::Ended
        }
        Err(e) => {
            tracing::warn!(stream, "HLS from the owner failed: {e}");
            RemoteHls::Unavailable
        }
    }
}

/// `index.m3u8` or `{seq}.ts`: the only names an owner serves, and the
/// only ones put into a URL here.
fn is_hls_file(file: &str) -> bool {
    file == "index.m3u8"
        || file
            .strip_suffix(".ts")
            .is_some_and(|seq| !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()))
}

/// No lease: the stream ended lately, or it is not live anywhere.
fn ended_or_not_live(inner: &Inner, stream: &str) -> RemoteHls {
    if inner.still_ended(stream) {
        RemoteHls::Ended
    } else {
        RemoteHls::NotLive
    }
}

async fn get(inner: &Inner, url: &str, stream: &str) -> Result<Bytes, RelayError> {
    let fail = |reason: String| RelayError::Fetch {
        url: url.to_owned(),
        reason,
    };
    let header = inner.signer.hls_header(inner.node(), stream, unix_secs());
    let request = hyper::Request::get(url)
        .header(live::RELAY_HEADER, header)
        .body(Empty::new())
        .map_err(|e| fail(e.to_string()))?;
    let exchange = async {
        let response = inner.http.request(request).await.map_err(|e| {
            if e.is_connect() {
                RelayError::Unreachable {
                    addr: url.to_owned(),
                }
            } else {
                fail(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(RelayError::Status {
                url: url.to_owned(),
                status,
            });
        }
        let body = Limited::new(response.into_body(), MAX_FILE_BYTES);
        let body = body.collect().await.map_err(|e| fail(e.to_string()))?;
        Ok(body.to_bytes())
    };
    tokio::time::timeout(inner.config.fetch_timeout, exchange)
        .await
        .map_err(|_| fail("timed out".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_playlists_and_numbered_segments_are_fetched() {
        assert!(is_hls_file("index.m3u8"));
        assert!(is_hls_file("42.ts"));
        for name in ["", ".ts", "x.ts", "../a.ts", "42.ts?x", "a.m3u8", "4 2.ts"] {
            assert!(!is_hls_file(name), "{name}");
        }
    }
}
