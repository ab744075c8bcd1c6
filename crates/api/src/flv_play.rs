//! `GET /flv/{stream}.flv` on a connection hyper serves: a kept-alive
//! HTTP/1.1 connection whose first request was something else, or HTTP/2.
//! The live engine plays the stream into the response body; a connection
//! that starts with this request is handed to the live engine whole
//! instead (see `listener`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use live::{FlvRefusal, FlvRequest, Live};

use crate::client_addr::ClientIp;
use crate::listener::Stopping;
use crate::path::ApiPath;
use crate::{ApiError, AppState};

/// HTTP-FLV on any connection.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/flv/{stream}", get(play))
}

async fn play(
    State(live): State<Arc<Live>>,
    ApiPath(file): ApiPath<String>,
    RawQuery(query): RawQuery,
    client: Option<Extension<ClientIp>>,
    stopping: Option<Extension<Stopping>>,
) -> Result<Response, ApiError> {
    let stream = file
        .strip_suffix(".flv")
        .filter(|name| live::is_stream_name(name))
        .ok_or(ApiError::RouteNotFound)?;
    let request = FlvRequest {
        stream: stream.to_owned(),
        token: query
            .as_deref()
            .and_then(live::play_token)
            .map(str::to_owned),
        query: query.clone().unwrap_or_default(),
        client: client.map(|Extension(ClientIp(ip))| ip),
        shutdown: stopping.map(|Extension(Stopping(shutdown))| shutdown),
    };
    let body = live::play_flv(live, request)
        .await
        .map_err(|refusal| match refusal {
            FlvRefusal::PlayTokenRequired => ApiError::PlayTokenRequired,
            FlvRefusal::Refused(refused) => ApiError::PlayRefused {
                code: refused.code,
                message: refused.message,
            },
            FlvRefusal::NotLive(_) => ApiError::StreamNotFound(stream.to_owned()),
        })?;
    let mut response = Body::new(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("video/x-flv"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    Ok(response)
}
