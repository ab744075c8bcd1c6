//! Stream actors on a runtime of their own (`HubConfig::actors`), apart
//! from the connections' runtime.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hub::{Hub, HubConfig, Packet, Sink, SinkFactory};

mod common;
use common::{video, video_config};

/// Records the name of the thread each packet reached the sink on.
#[derive(Default)]
struct Threads(Arc<Mutex<Vec<String>>>);

struct ThreadSink(Arc<Mutex<Vec<String>>>);

impl SinkFactory for Threads {
    fn sinks(&self, _stream: &str) -> Vec<Box<dyn Sink>> {
        vec![Box::new(ThreadSink(self.0.clone()))]
    }
}

impl Sink for ThreadSink {
    fn handle_packet(&mut self, _packet: &Arc<Packet>) {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        self.0.lock().unwrap().push(name);
    }

    fn finish(&mut self) {}
}

#[test]
fn stream_actors_run_on_the_configured_runtime() {
    let actors = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("test-actors")
        .build()
        .unwrap();
    let connections = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let threads = Threads::default();
    let seen = threads.0.clone();
    let config = HubConfig {
        actors: Some(actors.handle().clone()),
        ..HubConfig::default()
    };
    let hub = Hub::new(config, Some(Arc::new(threads)));
    connections.block_on(async {
        let publisher = hub.publish("s").await;
        let mut sub = hub.subscribe("s", Duration::ZERO).await.unwrap();
        publisher.send(video_config()).await.unwrap();
        publisher.send(video(0, true)).await.unwrap();
        publisher.send(video(40, false)).await.unwrap();
        let mut dts = Vec::new();
        while dts.len() < 3 {
            dts.extend(sub.next().await.unwrap().iter().map(|p| p.frame.dts));
        }
        assert_eq!(dts, [0, 0, 40]);
    });
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|name| name == "test-actors"), "{seen:?}");
}
