//! `GET /metrics`: Prometheus text exposition of the live engine's state.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use live::Live;

pub(crate) async fn metrics(State(live): State<Arc<Live>>) -> Response {
    let streams = live.hub.streams();
    let mut text = String::new();
    let total: usize = streams.iter().map(|s| s.viewers).sum();
    let _ = writeln!(text, "# HELP synctv_live_streams Streams being published.");
    let _ = writeln!(text, "# TYPE synctv_live_streams gauge");
    let _ = writeln!(text, "synctv_live_streams {}", streams.len());
    let _ = writeln!(
        text,
        "# HELP synctv_live_viewers Viewers of live streams (HTTP-FLV and RTMP)."
    );
    let _ = writeln!(text, "# TYPE synctv_live_viewers gauge");
    let _ = writeln!(text, "synctv_live_viewers {total}");
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
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}
