//! HTTP-FLV as an HTTP response body, for a `GET /flv/{stream}.flv` that
//! reaches the HTTP router: a later request on a kept-alive HTTP/1.1
//! connection, or any request over HTTP/2. (A connection whose first
//! request is `GET /flv/…` is handed to `flv_http` whole instead.)
//!
//! The viewer is the same as on the raw path: the same admission, the same
//! viewer loop, counted the same. Its bytes go into a bounded queue
//! ([`ChunkSender`]) that the body ([`FlvBody`]) drains as hyper asks for
//! more; a full queue is to the loop what a full socket is, so a viewer
//! whose connection does not keep up skips to the next keyframe and is cut
//! off if it stays behind. The loop runs in a task of its own, which ends
//! with the stream, when the body is dropped (the client left) or when the
//! server stops.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use hub::{Batch, DirectSink, Offer, Packet, Subscription};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot, watch};

use crate::flv_viewer::{self, FlvRefusal};
use crate::viewer::Wake;
use crate::viewer_sink::ViewerSink;
use crate::writer::PumpEnd;
use crate::Live;

/// Writes a body may have queued ahead of its reader (each one batch of
/// tags, or what the viewer gathered while catching up).
const BODY_QUEUE: usize = 8;

/// One HTTP-FLV viewer's request, as the router saw it.
#[derive(Debug, Clone)]
pub struct FlvRequest {
    pub stream: String,
    pub token: Option<String>,
    /// The whole query string (its `viewer=` names the viewer to the
    /// viewer hook).
    pub query: String,
    /// For the logs.
    pub client: Option<IpAddr>,
    /// Turns true when the server stops; the body then ends.
    pub shutdown: Option<watch::Receiver<bool>>,
}

/// Admits the viewer and starts its play loop; the body carries the FLV
/// file from its header on.
pub async fn play_flv(live: Arc<Live>, request: FlvRequest) -> Result<FlvBody, FlvRefusal> {
    let FlvRequest {
        stream,
        token,
        query,
        client,
        shutdown,
    } = request;
    let sub = match flv_viewer::admit(&live, &stream, token.as_deref()).await {
        Ok(sub) => sub,
        Err(refusal) => {
            tracing::info!(?client, stream, "HTTP-FLV viewer refused: {refusal}");
            return Err(refusal);
        }
    };
    tracing::debug!(?client, stream, "HTTP-FLV viewer joined (response body)");
    let (chunks, queue) = mpsc::channel(BODY_QUEUE);
    let (ended, end) = oneshot::channel();
    let attached = live.attach_viewer(&stream, &query);
    let viewer = BodyViewer {
        live,
        sink: ChunkSender(chunks),
        shutdown,
    };
    tokio::spawn(async move {
        let result = viewer.run(sub).await;
        drop(attached);
        tracing::debug!(?client, stream, "HTTP-FLV viewer left: {result}");
        let _ = ended.send(result);
    });
    Ok(FlvBody {
        queue,
        chunk: Vec::new().into_iter(),
        end: Some(end),
        cut_off: false,
    })
}

/// The play loop of one body's viewer.
struct BodyViewer {
    live: Arc<Live>,
    sink: ChunkSender,
    shutdown: Option<watch::Receiver<bool>>,
}

impl BodyViewer {
    async fn run(self, sub: Subscription) -> PumpEnd {
        let _counted = self.live.viewers.count_flv();
        let timeout = self.live.config.write_timeout;
        let mut head = vec![flv_viewer::file_header()];
        if let Err(end) = self.sink.write(&mut head, timeout).await {
            return end;
        }
        let wake = woken(&self.sink, self.shutdown);
        tokio::pin!(wake);
        flv_viewer::pump(sub, &self.sink, timeout, wake).await
    }
}

/// What interrupts a body's viewer besides its stream: the server stops,
/// or the body was dropped (its reader left).
async fn woken(sink: &ChunkSender, shutdown: Option<watch::Receiver<bool>>) -> io::Result<Wake> {
    let stopped = async move {
        match shutdown {
            Some(mut shutdown) => {
                let _ = shutdown.wait_for(|stop| *stop).await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        () = stopped => Ok(Wake::Shutdown),
        () = sink.0.closed() => Err(io::ErrorKind::BrokenPipe.into()),
    }
}

/// The writing end of a body's queue.
struct ChunkSender(mpsc::Sender<Vec<Bytes>>);

impl ViewerSink for ChunkSender {
    fn direct<E>(&self, encode: E) -> Box<dyn DirectSink>
    where
        E: Fn(&Packet) -> Bytes + Send + 'static,
    {
        Box::new(QueueSink {
            chunks: self.0.clone(),
            encode,
        })
    }

    fn write(
        &self,
        bufs: &mut Vec<Bytes>,
        timeout: Duration,
    ) -> impl Future<Output = Result<(), PumpEnd>> + Send {
        let chunk = std::mem::take(bufs);
        async move {
            if chunk.is_empty() {
                return Ok(());
            }
            match tokio::time::timeout(timeout, self.0.send(chunk)).await {
                Err(_) => Err(PumpEnd::Stalled),
                Ok(Err(_)) => Err(PumpEnd::Io(io::ErrorKind::BrokenPipe.into())),
                Ok(Ok(())) => Ok(()),
            }
        }
    }
}

/// A body's queue as the stream actor writes to it: a full queue hands
/// the batch back, like a full socket.
struct QueueSink<E> {
    chunks: mpsc::Sender<Vec<Bytes>>,
    encode: E,
}

impl<E> DirectSink for QueueSink<E>
where
    E: Fn(&Packet) -> Bytes + Send + 'static,
{
    fn offer(&mut self, batches: &[Batch]) -> Offer {
        let packets = batches.iter().flat_map(|batch| batch.iter());
        let chunk: Vec<Bytes> = packets.map(|p| (self.encode)(p)).collect();
        match self.chunks.try_send(chunk) {
            Ok(()) => Offer::Taken,
            Err(TrySendError::Full(chunk)) => Offer::Full(chunk),
            Err(TrySendError::Closed(_)) => Offer::Failed(io::ErrorKind::BrokenPipe.into()),
        }
    }
}

/// Why a body stopped short of a clean end.
#[derive(Debug, thiserror::Error)]
pub enum FlvBodyError {
    /// The connection did not keep up with the stream.
    #[error("HTTP-FLV viewer too slow: cut off")]
    TooSlow,
}

/// An HTTP-FLV response body: FLV tags as the viewer's loop queues them.
/// It ends when the stream ends or the server stops, and fails (the
/// connection or HTTP/2 stream is reset) when the viewer was cut off.
#[derive(Debug)]
pub struct FlvBody {
    queue: mpsc::Receiver<Vec<Bytes>>,
    /// The rest of the chunk being handed out.
    chunk: std::vec::IntoIter<Bytes>,
    /// How the viewer's loop ended; `None` once known.
    end: Option<oneshot::Receiver<PumpEnd>>,
    cut_off: bool,
}

impl FlvBody {
    /// The next queued chunk, once the loop has ended: what it queued
    /// last is still handed out.
    fn drain(&mut self) -> Option<Vec<Bytes>> {
        self.queue.try_recv().ok()
    }
}

impl http_body::Body for FlvBody {
    type Data = Bytes;
    type Error = FlvBodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, FlvBodyError>>> {
        let this = &mut *self;
        loop {
            if let Some(bytes) = this.chunk.find(|bytes| !bytes.is_empty()) {
                return Poll::Ready(Some(Ok(Frame::data(bytes))));
            }
            let Some(end) = this.end.as_mut() else {
                match this.drain() {
                    Some(chunk) => this.chunk = chunk.into_iter(),
                    None if std::mem::take(&mut this.cut_off) => {
                        return Poll::Ready(Some(Err(FlvBodyError::TooSlow)))
                    }
                    None => return Poll::Ready(None),
                }
                continue;
            };
            if let Poll::Ready(Some(chunk)) = this.queue.poll_recv(cx) {
                this.chunk = chunk.into_iter();
                continue;
            }
            match Pin::new(end).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    this.cut_off = result.is_ok_and(|end| end.is_too_slow());
                    this.end = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LiveConfig, StaticKeys};
    use http_body::Body;
    use hub::HubConfig;
    use media::{Frame, Track};

    fn live() -> Arc<Live> {
        let config = LiveConfig {
            viewer_wait: Duration::from_millis(100),
            ..LiveConfig::default()
        };
        let keys = Arc::new(StaticKeys::new([]));
        Live::new(config, HubConfig::default(), keys)
    }

    fn request(stream: &str) -> FlvRequest {
        FlvRequest {
            stream: stream.to_owned(),
            token: None,
            query: String::new(),
            client: None,
            shutdown: None,
        }
    }

    fn keyframe(dts: i64) -> Frame {
        let data = Bytes::from_static(&[0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65]);
        Frame::parse(Track::Video, dts, data).unwrap()
    }

    /// The body's next frame's data; `None` at its end. Fails the test if
    /// nothing comes within 10 s.
    async fn next(body: &mut FlvBody) -> Option<Result<Bytes, FlvBodyError>> {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx));
        let frame = tokio::time::timeout(Duration::from_secs(10), frame)
            .await
            .expect("the body answers within 10 s")?;
        Some(frame.map(|frame| frame.into_data().unwrap()))
    }

    async fn flv_viewers_become(live: &Live, want: u64) {
        for _ in 0..1000 {
            if live.viewers.flv() == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("FLV viewers stayed {}, want {want}", live.viewers.flv());
    }

    #[tokio::test]
    async fn a_body_is_the_flv_header_then_tags_and_ends_with_its_stream() {
        let live = live();
        let publisher = live.hub.publish("s").await;
        publisher.send(keyframe(0)).await.unwrap();
        let mut body = play_flv(live.clone(), request("s")).await.unwrap();
        let header = next(&mut body).await.unwrap().unwrap();
        assert_eq!(&header[..3], b"FLV");
        assert_eq!(header.len(), 13);
        let tag = next(&mut body).await.unwrap().unwrap();
        assert_eq!(tag[0], Track::Video.type_id(), "the GOP cache's keyframe");
        flv_viewers_become(&live, 1).await;
        publisher.send(keyframe(40)).await.unwrap();
        let tag = next(&mut body).await.unwrap().unwrap();
        assert_eq!(tag[0], Track::Video.type_id());
        drop(publisher);
        while let Some(frame) = next(&mut body).await {
            frame.expect("a clean end, not a cut-off");
        }
        flv_viewers_become(&live, 0).await;
    }

    #[tokio::test]
    async fn a_dropped_body_is_a_viewer_gone() {
        let live = live();
        let publisher = live.hub.publish("s").await;
        publisher.send(keyframe(0)).await.unwrap();
        let body = play_flv(live.clone(), request("s")).await.unwrap();
        flv_viewers_become(&live, 1).await;
        drop(body);
        flv_viewers_become(&live, 0).await;
        assert_eq!(live.hub.viewers("s"), Some(0));
    }

    #[tokio::test]
    async fn a_stream_nobody_publishes_is_refused_after_the_hold() {
        let refusal = play_flv(live(), request("nobody")).await.unwrap_err();
        assert!(matches!(refusal, FlvRefusal::NotLive(_)), "{refusal:?}");
    }

    #[tokio::test]
    async fn shutdown_ends_the_body_cleanly() {
        let live = live();
        let publisher = live.hub.publish("s").await;
        publisher.send(keyframe(0)).await.unwrap();
        let (stop, shutdown) = watch::channel(false);
        let request = FlvRequest {
            shutdown: Some(shutdown),
            ..request("s")
        };
        let mut body = play_flv(live.clone(), request).await.unwrap();
        next(&mut body).await.unwrap().unwrap();
        stop.send(true).unwrap();
        while let Some(frame) = next(&mut body).await {
            frame.expect("a clean end at shutdown");
        }
        drop(publisher);
    }
}
