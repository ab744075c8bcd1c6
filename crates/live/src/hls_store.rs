//! The HLS output of every live stream, in memory, for the HTTP handlers:
//! a read is a map lookup and a `Bytes` clone. Each stream's segmenter runs
//! as a hub sink inside the stream actor and publishes a new snapshot here
//! whenever a segment closes. A [`SegmentSink`], when installed, gets every
//! finished segment and may name some of them elsewhere in the playlist.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use bytes::Bytes;
use hls::{HlsConfig, HlsEvent, HlsSnapshot, Segmenter};
use hub::{Packet, Sink, SinkFactory};

use crate::segment_sink::{FinishedSegment, SegmentSink};

/// How long an ended stream's playlist (with EXT-X-ENDLIST) stays readable.
const ENDED_GRACE: Duration = Duration::from_secs(30);

/// stream → (owner, snapshot); the owner tells a restarted stream's output
/// from its predecessor's.
type Snapshots = HashMap<String, (u64, Arc<HlsSnapshot>)>;

/// Every stream's latest HLS snapshot, by stream name.
#[derive(Debug, Default, Clone)]
pub struct HlsStore {
    streams: Arc<RwLock<Snapshots>>,
    sink: Arc<OnceLock<Arc<dyn SegmentSink>>>,
}

impl HlsStore {
    pub fn new() -> HlsStore {
        HlsStore::default()
    }

    /// The current playlist of `stream`, once it has a segment, as
    /// viewers see it (the installed sink may name segments elsewhere).
    pub fn playlist(&self, stream: &str) -> Option<Bytes> {
        let (run, snapshot) = self.entry(stream)?;
        if snapshot.is_empty() {
            return None;
        }
        let playlist = snapshot.playlist();
        let rewritten = self
            .segment_sink()
            .and_then(|sink| sink.rewrite_playlist(stream, run, &playlist));
        Some(rewritten.unwrap_or(playlist))
    }

    /// Installs the sink of finished segments (once; a second call is
    /// ignored and returns false).
    pub fn set_segment_sink(&self, sink: Arc<dyn SegmentSink>) -> bool {
        self.sink.set(sink).is_ok()
    }

    /// The installed sink of finished segments.
    pub fn segment_sink(&self) -> Option<&Arc<dyn SegmentSink>> {
        self.sink.get()
    }

    /// Segment `seq` of `stream`, while the playlist lists it.
    pub fn segment(&self, stream: &str, seq: u64) -> Option<Bytes> {
        self.snapshot(stream)?.segment(seq)
    }

    fn snapshot(&self, stream: &str) -> Option<Arc<HlsSnapshot>> {
        self.entry(stream).map(|(_, s)| s)
    }

    fn entry(&self, stream: &str) -> Option<(u64, Arc<HlsSnapshot>)> {
        let streams = self.streams.read().unwrap_or_else(|e| e.into_inner());
        streams.get(stream).map(|(owner, s)| (*owner, s.clone()))
    }

    fn publish(&self, stream: &str, owner: u64, snapshot: Arc<HlsSnapshot>) {
        let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
        streams.insert(stream.to_owned(), (owner, snapshot));
    }

    fn remove(&self, stream: &str, owner: u64) {
        let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
        if streams.get(stream).is_some_and(|(o, _)| *o == owner) {
            streams.remove(stream);
        }
    }
}

/// Makes an HLS sink for every stream the hub starts.
#[derive(Debug)]
pub(crate) struct HlsSinks {
    store: HlsStore,
    config: HlsConfig,
    next_owner: AtomicU64,
}

impl HlsSinks {
    pub(crate) fn new(store: HlsStore, config: HlsConfig) -> HlsSinks {
        HlsSinks {
            store,
            config,
            next_owner: AtomicU64::new(1),
        }
    }
}

impl SinkFactory for HlsSinks {
    fn sinks(&self, stream: &str) -> Vec<Box<dyn Sink>> {
        vec![Box::new(HlsSink {
            stream: stream.to_owned(),
            owner: self.next_owner.fetch_add(1, Ordering::Relaxed),
            segmenter: Segmenter::new(self.config.clone()),
            store: self.store.clone(),
        })]
    }
}

/// One stream's segmenter, fed by its stream actor.
struct HlsSink {
    stream: String,
    owner: u64,
    segmenter: Segmenter,
    store: HlsStore,
}

impl HlsSink {
    fn publish_changes(&mut self) {
        let mut changed = false;
        let mut ready = Vec::new();
        let mut ended = false;
        while let Some(event) = self.segmenter.poll_event() {
            match event {
                HlsEvent::SegmentReady { seq, duration } => ready.push((seq, duration)),
                HlsEvent::Ended => ended = true,
                HlsEvent::SegmentRemoved { .. } => continue,
            }
            changed = true;
        }
        if !changed {
            return;
        }
        let snapshot = self.segmenter.snapshot();
        self.store
            .publish(&self.stream, self.owner, snapshot.clone());
        if let Some(sink) = self.store.segment_sink() {
            self.hand_over(sink.as_ref(), &snapshot, &ready, ended);
        }
    }

    /// Gives the sink the segments that closed (still in the snapshot)
    /// and the end of the stream.
    fn hand_over(
        &self,
        sink: &dyn SegmentSink,
        snapshot: &HlsSnapshot,
        ready: &[(u64, Duration)],
        ended: bool,
    ) {
        for &(seq, duration) in ready {
            let Some(data) = snapshot.segment(seq) else {
                continue;
            };
            sink.handle_segment(FinishedSegment {
                stream: self.stream.clone(),
                run: self.owner,
                seq,
                duration,
                data,
            });
        }
        if ended {
            sink.handle_end(&self.stream, self.owner);
        }
    }
}

impl Sink for HlsSink {
    fn handle_packet(&mut self, packet: &Arc<Packet>) {
        if let Err(e) = self.segmenter.handle_frame(&packet.frame) {
            tracing::debug!(stream = %self.stream, "HLS dropped a frame: {e}");
        }
        self.publish_changes();
    }

    fn finish(&mut self) {
        self.segmenter.finish();
        self.publish_changes();
        let (store, stream, owner) = (self.store.clone(), self.stream.clone(), self.owner);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                tokio::time::sleep(ENDED_GRACE).await;
                store.remove(&stream, owner);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use media::{Frame, Track};

    use super::*;

    fn packet(track: Track, dts: i64, body: &'static [u8]) -> Arc<Packet> {
        Arc::new(Packet::new(
            Frame::parse(track, dts, Bytes::from_static(body)).unwrap(),
        ))
    }

    #[test]
    fn an_audio_only_stream_is_published_once_a_segment_closes() {
        let store = HlsStore::new();
        let sinks = HlsSinks::new(store.clone(), HlsConfig::default());
        let mut sink = sinks.sinks("s").pop().unwrap();
        sink.handle_packet(&packet(Track::Audio, 0, &[0xaf, 0, 0x12, 0x10]));
        assert_eq!(store.playlist("s"), None);
        for i in 0..150 {
            sink.handle_packet(&packet(Track::Audio, i * 23, &[0xaf, 1, 0x21, 0x10]));
        }
        let playlist = store.playlist("s").expect("a playlist after 3 s of audio");
        let text = String::from_utf8(playlist.to_vec()).unwrap();
        let first = text.lines().find(|l| l.ends_with(".ts")).unwrap();
        let seq: u64 = first.trim_end_matches(".ts").parse().unwrap();
        assert!(store.segment("s", seq).is_some());
        assert_eq!(store.segment("other", seq), None);
    }

    /// Remembers what it was given; names segment 1 elsewhere.
    #[derive(Debug, Default)]
    struct Recorder {
        seen: std::sync::Mutex<Vec<(u64, u64, usize)>>,
        ended: std::sync::Mutex<Vec<u64>>,
    }

    impl SegmentSink for Recorder {
        fn handle_segment(&self, s: FinishedSegment) {
            self.seen.lock().unwrap().push((s.run, s.seq, s.data.len()));
        }

        fn handle_end(&self, _stream: &str, run: u64) {
            self.ended.lock().unwrap().push(run);
        }

        fn rewrite_playlist(&self, _: &str, _: u64, playlist: &Bytes) -> Option<Bytes> {
            let text = String::from_utf8_lossy(playlist).replace("\n1.ts", "\nhttp://cdn/1.ts");
            Some(Bytes::from(text))
        }
    }

    #[test]
    fn the_segment_sink_gets_every_segment_and_the_end_and_rewrites_playlists() {
        let store = HlsStore::new();
        let recorder = Arc::new(Recorder::default());
        assert!(store.set_segment_sink(recorder.clone()));
        let sinks = HlsSinks::new(store.clone(), HlsConfig::default());
        let mut sink = sinks.sinks("s").pop().unwrap();
        sink.handle_packet(&packet(Track::Audio, 0, &[0xaf, 0, 0x12, 0x10]));
        for i in 0..300 {
            sink.handle_packet(&packet(Track::Audio, i * 23, &[0xaf, 1, 0x21, 0x10]));
        }
        sink.finish();
        let seen = recorder.seen.lock().unwrap().clone();
        let seqs: Vec<u64> = seen.iter().map(|(_, seq, _)| *seq).collect();
        assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
        assert!(seqs.len() >= 3, "{seqs:?}");
        assert!(seen
            .iter()
            .all(|(run, _, len)| *run == seen[0].0 && *len > 0));
        assert_eq!(*recorder.ended.lock().unwrap(), vec![seen[0].0]);
        let text = String::from_utf8(store.playlist("s").unwrap().to_vec()).unwrap();
        assert!(
            text.contains("\nhttp://cdn/1.ts\n") && text.contains("\n0.ts\n"),
            "{text}"
        );
    }

    #[test]
    fn a_restarted_stream_is_not_removed_by_its_old_output() {
        let store = HlsStore::new();
        store.publish("s", 1, Arc::new(HlsSnapshot::default()));
        store.publish("s", 2, Arc::new(HlsSnapshot::default()));
        store.remove("s", 1);
        assert!(store.snapshot("s").is_some());
        store.remove("s", 2);
        assert!(store.snapshot("s").is_none());
    }
}
