//! `GET /metrics`: Prometheus text exposition of the live engine's state,
//! this node's audience, and the cluster figures that are measured.

use std::fmt::Write;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use cluster::Cluster;

use crate::AppState;

/// How long a scrape waits for Redis before leaving its figures out.
const REDIS_WITHIN: Duration = Duration::from_secs(1);

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = String::new();
    live_figures(&mut text, &state);
    cluster_figures(&mut text, &state.cluster).await;
    if let Some(stages) = &state.stage_metrics {
        text.push_str(&stages.render());
    }
    if let Some(segments) = state.live.hls.segment_sink() {
        text.push_str(&segments.figures());
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// Writes one figure with its help and type lines.
fn figure(text: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
    let _ = writeln!(text, "{name} {value}");
}

fn live_figures(text: &mut String, state: &AppState) {
    let streams = state.live.hub.streams();
    let total: usize = streams.iter().map(|s| s.viewers).sum();
    let help = "Streams being published.";
    figure(
        text,
        "synctv_live_streams",
        "gauge",
        help,
        streams.len() as u64,
    );
    let help = "Viewers of live streams (HTTP-FLV and RTMP).";
    figure(text, "synctv_live_viewers", "gauge", help, total as u64);
    let _ = writeln!(
        text,
        "# HELP synctv_stream_viewers Viewers of one live stream."
    );
    let _ = writeln!(text, "# TYPE synctv_stream_viewers gauge");
    for stream in &streams {
        // Stream names are [A-Za-z0-9_.-]: nothing to escape in a label.
        let _ = writeln!(
            text,
            "synctv_stream_viewers{{stream=\"{}\"}} {}",
            stream.name, stream.viewers
        );
    }
    let audience = state.audience();
    let help = "Distinct clients that fetched an HLS playlist in the last 30 s.";
    figure(
        text,
        "synctv_hls_viewers",
        "gauge",
        help,
        audience.hls_viewers,
    );
    let help = "Room members joined over WebSocket or gRPC on this node.";
    figure(
        text,
        "synctv_room_members",
        "gauge",
        help,
        audience.room_members,
    );
}

/// Cluster figures: nodes and owned streams as Redis says now (left out if
/// it does not answer), Redis errors, and each figure another part feeds
/// once that part has wired it. Standalone shows none of them.
async fn cluster_figures(text: &mut String, cluster: &Cluster) {
    if !cluster.is_distributed() {
        return;
    }
    let nodes = tokio::time::timeout(REDIS_WITHIN, cluster.nodes.live_nodes()).await;
    if let Ok(Ok(nodes)) = nodes {
        let help = "Live nodes this node sees in the cluster.";
        figure(
            text,
            "synctv_cluster_nodes",
            "gauge",
            help,
            nodes.len() as u64,
        );
    }
    let leases = tokio::time::timeout(REDIS_WITHIN, cluster.streams.active()).await;
    if let Ok(Ok(leases)) = leases {
        let me = &cluster.config.node_id;
        let owned = leases.iter().filter(|l| &l.lease.node == me).count();
        let help = "Stream leases this node holds (streams it owns).";
        figure(
            text,
            "synctv_cluster_streams_owned",
            "gauge",
            help,
            owned as u64,
        );
    }
    let m = &cluster.metrics;
    let help = "Failed Redis calls since this node started.";
    figure(
        text,
        "synctv_cluster_redis_errors_total",
        "counter",
        help,
        m.redis_errors(),
    );
    let wired = [
        (
            "synctv_cluster_pulls_in",
            "gauge",
            "Pulls of other replicas' streams feeding hubs here (as of the last heartbeat).",
            m.pulls_in.read(),
        ),
        (
            "synctv_cluster_pulls_out",
            "gauge",
            "Pulls of this node's streams served to other replicas now.",
            m.pulls_out.read(),
        ),
        (
            "synctv_cluster_forwarded_commands_total",
            "counter",
            "Member commands forwarded to another replica's room writer.",
            m.forwarded_commands.read(),
        ),
        (
            "synctv_cluster_bus_lag_ms",
            "gauge",
            "How far the room event reader is behind, in milliseconds.",
            m.bus_lag_ms.read(),
        ),
    ];
    for (name, kind, help, value) in wired {
        if let Some(value) = value {
            figure(text, name, kind, help, value);
        }
    }
}
