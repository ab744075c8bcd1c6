//! Starts the listeners and stops them on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::node::Node;

#[derive(Debug, Error)]
pub(crate) enum RunError {
    #[error("cannot listen for {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot install the signal handler: {0}")]
    Signal(std::io::Error),
    #[error("cannot open the database: {0}")]
    Store(#[from] store::StoreError),
    #[error("cannot join the cluster: {0}")]
    Cluster(#[from] cluster::ClusterError),
    #[error("cannot relay live streams across replicas: {0}")]
    Relay(#[from] relay::RelayError),
    #[error("cannot start the stages of live rooms: {0}")]
    Stages(#[from] stages::StagesError),
    #[error("cannot use object storage for HLS: {0}")]
    Storage(#[from] hls_objects::StorageError),
}

/// With `[live.storage]`, HLS segments go to object storage too and
/// playlists name them there.
fn install_object_storage(config: &Config, live: &live::Live) -> Result<(), RunError> {
    let Some(section) = &config.live.storage else {
        return Ok(());
    };
    let settings = section
        .storage_config()
        .map_err(|e| hls_objects::StorageError::Invalid(e.to_string()))?;
    let uploader = hls_objects::SegmentUploader::start(settings)?;
    live.hls.set_segment_sink(uploader);
    Ok(())
}

pub(crate) async fn serve(config: Config, media: tokio::runtime::Handle) -> Result<(), RunError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| RunError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let http = bind("HTTP", config.http_addr).await?;
    let rtmp = bind("RTMP", config.rtmp_addr).await?;
    let store = store::Store::open(config.database_url.as_deref(), &config.data_dir).await?;
    let play_tokens = rooms::PlayTokens::open(&store, unix_ms()).await?;
    let keys = Arc::new(rooms::RoomStreamKeys::new(
        configured_keys(&config),
        store.clone(),
        play_tokens.clone(),
    ));
    let live = live::Live::new(live_config(&config), hub_config(&config, media), keys);
    install_object_storage(&config, &live)?;
    let node = Node::start(
        &config,
        local_addr(&http)?,
        local_addr(&rtmp)?,
        live.clone(),
    )
    .await?;
    let (stop, stopping) = watch::channel(false);
    let limits = api::HttpLimits {
        max_connections: config.live.max_http_connections,
        first_bytes_timeout: Duration::from_secs(10),
    };
    let signals = Signals::install()?;
    tracing::info!(
        http = %local(&http), rtmp = %local(&rtmp), data_dir = %config.data_dir.display(),
        node = %node.cluster.config.node_id,
        mode = if config.redis_url.is_some() { "cluster" } else { "standalone" },
        "synctv is up"
    );
    let rtmp_port = rtmp.local_addr().map_or(1935, |a| a.port());
    let state = api::AppState::new(live.clone(), store)
        .with_rtmp(rtmp_port, config.live.public_rtmp_host.clone())
        .with_play_tokens(play_tokens)
        .with_rooms(rooms_config(&config))
        .with_trusted_proxies(config.http.trusted_proxies().unwrap_or_default())
        .with_site(web::router());
    let state = crate::rooms_cluster::wire(state, &node, &config);
    let state = node.attach(state);
    let node_stages = crate::stages_wiring::NodeStages::start(
        &config,
        &node.cluster,
        live.clone(),
        node.relay(),
        state.store.clone(),
    )
    .await?;
    let stage_metrics = node_stages.stages.metrics();
    let state = state.with_stages(Arc::new(node_stages.stages.clone()), stage_metrics);
    if config.redis_url.is_some() {
        // Rooms' writers follow the stream lease and read the counts.
        let audience = crate::stages_wiring::StageAudience::new(node_stages.stages.clone());
        state.rooms.set_audience(Arc::new(audience));
    } else {
        let rooms = state.rooms.clone();
        tokio::spawn(rooms::watch_live(rooms, live.clone(), stopping.clone()));
    }
    let http_task = tokio::spawn(api::serve(http, state, limits, stopping.clone()));
    let rtmp_task = tokio::spawn(live::serve_rtmp(rtmp, live, stopping));
    signals.wait().await;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let drained = async {
        let _ = http_task.await;
        let _ = rtmp_task.await;
    };
    if tokio::time::timeout(Duration::from_secs(10), drained)
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; exiting anyway");
    }
    drop(node_stages);
    node.leave().await;
    Ok(())
}

async fn bind(what: &'static str, addr: std::net::SocketAddr) -> Result<TcpListener, RunError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RunError::Bind { what, addr, source })
}

fn local_addr(listener: &TcpListener) -> Result<std::net::SocketAddr, RunError> {
    listener.local_addr().map_err(|source| RunError::Bind {
        what: "a listener's address",
        addr: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
        source,
    })
}

fn local(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string())
}

fn configured_keys(config: &Config) -> live::StaticKeys {
    live::StaticKeys::new(
        config
            .live
            .keys
            .iter()
            .map(|k| (k.stream.clone(), k.key.clone())),
    )
}

/// Seconds from the configuration (validated finite) as a duration.
pub(crate) fn secs(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.0))
}

fn live_config(config: &Config) -> live::LiveConfig {
    let l = &config.live;
    live::LiveConfig {
        viewer_wait: secs(l.viewer_wait_secs),
        write_timeout: secs(l.viewer_write_timeout_secs),
        rtmp_chunk_size: l.rtmp_chunk_size,
        rtmp_max_message_bytes: l.rtmp_max_message_bytes,
        max_rtmp_connections: l.max_rtmp_connections,
        handshake_timeout: secs(l.handshake_timeout_secs),
        idle_timeout: secs(l.idle_timeout_secs),
        hls_target: secs(l.hls_target_secs),
        hls_window: l.hls_window,
        viewer_send_buffer: l.viewer_send_buffer_bytes,
        viewer_nodelay: l.viewer_nodelay,
    }
}

fn rooms_config(config: &Config) -> rooms::RoomsConfig {
    let mut rooms = rooms::RoomsConfig {
        queue_messages: config.rooms.queue_messages,
        ..rooms::RoomsConfig::default()
    };
    rooms.limits.max_members = config.rooms.max_members;
    rooms
}

fn hub_config(config: &Config, media: tokio::runtime::Handle) -> hub::HubConfig {
    hub::HubConfig {
        gop_cache_bytes: config.live.gop_cache_bytes,
        ring_batches: config.live.ring_batches,
        actors: Some(media),
        ..hub::HubConfig::default()
    }
}

/// SIGTERM and SIGINT, installed before the server says it is up.
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, RunError> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(RunError::Signal)?,
            int: signal(SignalKind::interrupt()).map_err(RunError::Signal)?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
